"""Messages: who gets them, what they say (Jinja2), the calendar attachment, and SMTP delivery."""
