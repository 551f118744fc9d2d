"""A project's limits, written once: the model, the forms, the API, the story map
document's title and description, AI generation and the templates read them here."""

PROJECT_NAME_MAX = 120
# The product description: also what AI generation reads, and a document's description.
PROJECT_DESCRIPTION_MAX = 10_000
