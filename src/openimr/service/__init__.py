"""The IMR case service: applications, eligibility, reviewers, deadlines, signing, the store,
the audit trail and the HTTP API, on top of the review engine."""
