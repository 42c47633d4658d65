"""The generator's versions, in a leaf module so the generator can record them without importing the package."""

GENERATOR_VERSION = "1.0.0"  # generator code version
DATA_VERSION = "1.0.0"  # bump when any dataset's bytes change on purpose
