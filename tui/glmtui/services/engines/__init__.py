"""Engines: the code that speaks one kind of inference server, behind one backend-neutral seam."""
