"""Business rules for requests. Views, admin and jobs call these; nothing else writes."""
