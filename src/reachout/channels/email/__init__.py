"""The email channel: mailboxes as senders, SMTP delivery and IMAP listening."""
