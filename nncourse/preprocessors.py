"""nbgrader preprocessors: grading in a sandbox, and keeping a damaged notebook gradable.

GradeInSandbox (at the end of this file) takes the place of nbgrader's Execute
in Autograde.autograde_preprocessors (grader_config.py).

RepairCellMetadata and SafeOverwriteCells are in Autograde.sanitize_preprocessors.
Without them,
nbgrader 0.9.6 (with OverwriteCells.add_missing_cells = True) fails the whole
notebook, so the student gets no grade at all, when:

* a test cell was duplicated: DeduplicateIds blanks the copy's metadata to {},
  which CheckCellMetadata then rejects as an "old metadata format" (and
  OverwriteCells.add_missing_task_cells raises KeyError('grade_id') on it);
* a test cell is missing and the cell before it in the source is missing too
  (deleted, or its metadata stripped): add_missing_grade_cells raises KeyError.

RepairCellMetadata drops the nbgrader metadata of cells the assignment does not
have (a "test cell" a student added, claiming points), puts back the nbgrader
metadata of cells that lost it, by
cell id (the source notebooks use each cell's grade_id as its id) or, for a
locked cell, by identical source; and it turns every later copy of a
duplicated cell into a plain cell, so that the first copy is the one graded.
SafeOverwriteCells re-adds missing test cells after the nearest earlier source cell that is present.
"""
import os
import re

from nbformat import from_dict
from nbformat.v4 import new_output
from traitlets import Integer, Unicode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells


#: The nbgrader flags that say what a cell is; a submission cannot change them.
FLAGS = ("grade", "solution", "locked", "points", "task")


def _source_metadata(source_nb):
    """{grade_id: (source cell, nbgrader metadata)} for a gradebook notebook."""
    grade = {c.name: c for c in source_nb.grade_cells}
    solution = {c.name for c in source_nb.solution_cells}
    out = {}
    for cell in source_nb.source_cells:
        meta = {"grade_id": cell.name, "locked": bool(cell.locked), "schema_version": 3,
                "solution": cell.name in solution, "grade": cell.name in grade, "task": False}
        if cell.name in grade:
            meta["points"] = grade[cell.name].max_score
        out[cell.name] = (cell, meta)
    return out


class RepairCellMetadata(NbGraderPreprocessor):
    """Drop the nbgrader metadata of duplicated cells (the first copy keeps it);
    give cells without nbgrader metadata their metadata back, when they can be
    recognised: by cell id, by identical source (locked cells), or, for a solution
    cell, by the function or class it defines."""

    def preprocess(self, nb, resources):
        db_url = resources["nbgrader"]["db_url"]
        with Gradebook(db_url) as gb:
            try:
                source_nb = gb.find_notebook(resources["nbgrader"]["notebook"],
                                             resources["nbgrader"]["assignment"])
            except MissingEntry:
                return nb, resources
            known = _source_metadata(source_nb)
            present = set()
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id and grade_id not in known:
                    # A cell the student made look like one of the course's: it is
                    # the student's own cell, graded as nothing.
                    del cell.metadata["nbgrader"]
                    self.log.warning("Cell %s is not a cell of the assignment; ignored", grade_id)
                elif grade_id in present:
                    del cell.metadata["nbgrader"]
                    self.log.warning("Cell %s appears twice; the later copy is ignored", grade_id)
                elif grade_id:
                    present.add(grade_id)
                    flags = {k: v for k, v in known[grade_id][1].items() if k in FLAGS}
                    if any(cell.metadata["nbgrader"].get(k) != v for k, v in flags.items()):
                        # A cell of the assignment whose flags were edited (a test cell
                        # marked as an answer, say): the assignment says what it is.
                        cell.metadata["nbgrader"].update(flags)
                        self.log.warning("Cell %s had its nbgrader flags changed; restored",
                                         grade_id)
            by_source = {c.source.strip(): name for name, (c, m) in known.items() if m["locked"]}
            for cell in nb.cells:
                if cell.metadata.get("nbgrader"):
                    continue
                name = cell.get("id") if cell.get("id") in known else None
                if name is None:
                    name = by_source.get(cell.source.strip())
                if name is None and cell.cell_type == "code":
                    defined = re.findall(r"^(?:def|class)\s+(\w+)", cell.source, flags=re.M)
                    name = next((d for d in defined if d in known and known[d][1]["solution"]), None)
                if name is None or name in present or known[name][0].cell_type != cell.cell_type:
                    continue
                cell.metadata["nbgrader"] = dict(known[name][1])
                present.add(name)
                self.log.warning("Restored the nbgrader metadata of cell %s", name)
        return nb, resources


class SafeOverwriteCells(OverwriteCells):
    """OverwriteCells whose re-adding of missing cells cannot crash."""

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [c.name for c in source_nb.source_cells]
        solution = {c.name for c in source_nb.solution_cells}
        for grade_cell in source_nb.grade_cells:
            present = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb.cells]
            if grade_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", grade_cell.name)
            index = order.index(grade_cell.name)
            cell = from_dict(self.missing_cell_transform(
                source_nb.source_cells[index], grade_cell.max_score,
                is_solution=grade_cell.name in solution))
            cell["id"] = f"{grade_cell.name}-restored"
            position = 0
            for earlier in reversed(order[:index]):
                if earlier in present:
                    position = present_index(nb, earlier) + 1
                    break
            nb.cells.insert(position, cell)
        return nb, resources

    def add_missing_task_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [c.name for c in source_nb.source_cells]
        submitted = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
        for task_cell in source_nb.task_cells:
            if task_cell.name not in submitted:
                cell = from_dict(self.missing_cell_transform(
                    source_nb.source_cells[order.index(task_cell.name)], task_cell.max_score,
                    is_task=True))
                nb.cells.append(cell)
        return nb, resources


def present_index(nb, grade_id):
    for i, c in enumerate(nb.cells):
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


# ------------------------------------------------------------ grading itself

class GradeInSandbox(NbGraderPreprocessor):
    """nbgrader's Execute, replaced: the notebook's code runs in a sandbox
    (nncourse.sandbox), and each test cell is graded from here.

    In order, every code cell of the submission:
    * a test cell is not run at all. Its public and hidden checks run in this
      process against the sandbox's live objects, and its outputs become the
      report and the points, which SaveAutoGrades then records;
    * a cell the course tagged as a demo (nncheck.SKIP_TAG: training on real
      data, plots) is not run; its output says so;
    * every other cell (the answers, cells a student added) runs in the
      sandbox, and its printed output and error become the cell's outputs.
    Nothing the sandbox does can write an output or a score of a test cell.
    """

    course_root = Unicode("", help="The course folder (set by grader_config.py).").tag(config=True)
    graded_cell_timeout = Integer(60, help="Seconds for an answer cell.").tag(config=True)
    other_cell_timeout = Integer(20, help="Seconds for any other cell that runs (cells a "
                                 "student added); they score nothing.").tag(config=True)

    _suites = {}

    def preprocess(self, nb, resources):
        from . import sandbox, suites
        root = os.path.realpath(self.course_root or os.getcwd())
        assignment = resources["nbgrader"]["assignment"]
        if (root, assignment) not in self._suites:
            self._suites[(root, assignment)] = suites.load_suite(assignment, root)
        suite = self._suites[(root, assignment)]
        nncheck = suite.nncheck
        del nncheck.TIMED_OUT[:]
        with sandbox.for_course(root, resources["metadata"]["path"], nncheck) as box:
            namespace = sandbox.RemoteNamespace(box)
            count = 0
            for index, cell in enumerate(nb.cells):
                kind = sandbox.cell_kind(cell, nncheck.SKIP_TAG)
                if kind is None:
                    continue
                count += 1
                cell.execution_count = count
                if kind == "test":
                    cell.outputs = self._grade(suites, suite, cell.metadata.nbgrader, namespace,
                                               count)
                elif kind == "demo":
                    cell.outputs = [new_output("stream", name="stdout", text=NOT_RUN)]
                else:
                    timeout = (self.graded_cell_timeout if kind == "answer"
                               else self.other_cell_timeout)
                    cell.outputs = _outputs(box.run_cell(sandbox.without_magics(cell.source),
                                                         f"<cell {index}>", timeout))
        return nb, resources

    def _grade(self, suites, suite, meta, namespace, count):
        grade_id, points = meta["grade_id"], float(meta.get("points", 0))
        if grade_id not in suite.cells:
            raise ValueError(f"test cell {grade_id!r} has no checks in the {suite.assignment} "
                             "suite; the course's notebook and checks disagree")
        score, outcomes = suites.grade_cell(suite, grade_id, namespace)
        passed = sum(o.passed for o in outcomes)
        report = suite.nncheck.format_outcomes(
            f"{grade_id}: {score:g} of {points:g} points ({passed} of {len(outcomes)} checks "
            "passed)", outcomes)
        return [new_output("stream", name="stdout", text=report + "\n"),
                new_output("execute_result", data={"text/plain": repr(float(score))},
                           execution_count=count)]


NOT_RUN = ("Not run while grading: this cell shows your code at work on real data and "
           "scores nothing.\nRun it in JupyterLab to see its output.\n")


def _outputs(result):
    outputs = []
    for name in ("stdout", "stderr"):
        if result.get(name):
            outputs.append(new_output("stream", name=name, text=result[name]))
    error = result.get("error")
    if error:
        outputs.append(new_output("error", ename=error["ename"], evalue=error["evalue"],
                                  traceback=list(error["traceback"])))
    return outputs
