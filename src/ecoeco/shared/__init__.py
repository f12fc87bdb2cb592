"""Facts the console and the platform share: the topology, component and queue names, job states,
control commands, and the sandbox's status file. No I/O beyond reading files; imports neither side."""
