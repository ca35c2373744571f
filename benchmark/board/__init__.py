"""The leaderboard from result files alone: rows and sections, ranks, markdown, site, export, plots."""
