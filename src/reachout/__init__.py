"""reachout: self-hosted prospecting and outreach for LinkedIn InMail and email."""

__version__ = "0.1.0"
