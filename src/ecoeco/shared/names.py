"""Names both sides use: the six API services, the two workers, the exchanges and queues, and the
workers' remote-control commands. Nothing else lists them."""

from __future__ import annotations

API_SERVICES = ("auth", "userinfo", "location", "waste", "recycle-info", "chat-llm")
WORKERS = ("storage", "ai")

EXCHANGE = "ecoeco.tasks"  # direct
DEAD_LETTER_EXCHANGE = "ecoeco.dlx"
Q_STORAGE = "q.storage"
Q_AI = "q.ai"
Q_DLQ = "q.dlq"
QUEUES = (Q_STORAGE, Q_AI, Q_DLQ)
ROUTING_KEYS = {Q_STORAGE: "storage", Q_AI: "ai", Q_DLQ: "dead"}

# Celery remote-control commands every worker answers (callers pass ``destination`` and ``limit``).
WAL_STATS = "wal_stats"
WAL_SYNC = "wal_sync"
WAL_REPLAY = "wal_replay"
WAL_CHECKPOINT = "wal_checkpoint"
CONTROL_COMMANDS = (WAL_STATS, WAL_SYNC, WAL_REPLAY, WAL_CHECKPOINT)
