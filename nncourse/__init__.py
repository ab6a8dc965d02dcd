"""Tooling for the course "Neural networks from scratch in numpy".

course   the course on disk: assignments, nbgrader config, release, exchange
suites   an assignment's public and hidden checks, reference and mistakes
grading  what the hidden part of each test cell runs inside nbgrader's kernel
demo     the instructor pipeline on the bundled demo students
nncheck  the check runner that ships with every assignment (copied by `sync`)
"""
