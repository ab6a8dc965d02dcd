"""Tooling for the course "Neural networks from scratch in numpy".

course         the course on disk: assignments, nbgrader config, release, exchange
gradebook      reading the gradebook nbgrader is configured with
suites         an assignment's public and hidden checks, reference and mistakes
sandbox        the grader's side of the boundary to student code
runner         the sandbox itself: the process that runs a notebook's code
preprocessors  GradeInSandbox (nbgrader's Execute, replaced) and notebook repairs
grade          whole-class grading, parallel and resumable
demo           the instructor pipeline on the bundled demo students
nncheck        the check runner that ships with every assignment (copied by `sync`)
"""
