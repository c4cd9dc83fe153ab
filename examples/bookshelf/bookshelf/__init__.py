"""bookshelf: a shared library of books, served over HTTP and managed from the command line."""

__version__ = "0.3.1"
