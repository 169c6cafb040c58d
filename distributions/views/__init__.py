"""Owner and respondent views of distributions, one module per screen family."""
