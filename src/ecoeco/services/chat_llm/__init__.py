"""chat-llm: disposal Q&A sessions, grounded in the recycle-info guides."""
