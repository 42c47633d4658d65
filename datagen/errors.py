"""Errors the CLI turns into one line on stderr and exit code 2."""


class DatagenError(Exception):
    """Bad input or environment: the message says what is wrong and what to do."""


class DataDirError(DatagenError):
    """The data directory is missing, not a datagen directory, unwritable or corrupted."""


class UploadError(DatagenError):
    """The upload target cannot be used (no such bucket, ...)."""
