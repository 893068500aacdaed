"""What reads the domain: the update composer, the apology check, alerts, metrics, the review's
query, the post-incident report and the demo set. Depends on storage.domain only (the demo
writes through the store interface it is handed)."""
