"""Device drivers and their simulators; imports nothing of ours."""
