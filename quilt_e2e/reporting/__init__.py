"""What a run reports: Allure results, attachments, masking of secrets."""
