"""Pages anyone can read: the program, its feeds and the privacy statement."""
