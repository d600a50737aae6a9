"""Presentation for people: display names, verdict sentences, Markdown/HTML documents, chart specs."""
