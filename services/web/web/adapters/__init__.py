"""Account store, service clients and the mailer."""
