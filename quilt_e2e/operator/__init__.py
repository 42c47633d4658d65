"""Operator commands for a real AWS account: `quilt-e2e check-auth | baselines | cleanup | cost-report`.

They read the same Settings as the suite (`-D key=value` or environment variables) and reuse the suite's own
code: the stack (sandbox, credentials and bucket checks), the baseline writer, the run-scoped cleanup and its
bucket guard. Every AWS call goes through boto3, so AWS_ENDPOINT_URL points them at any endpoint (moto in the
tests).
"""
