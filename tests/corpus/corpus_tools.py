"""Notebook edits for the adversarial corpus: what students do to test cells."""
import copy


def _find(nb, grade_id):
    for i, c in enumerate(nb["cells"]):
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def delete_test_cell(grade_id):
    def edit(nb):
        del nb["cells"][_find(nb, grade_id)]
    return edit


def edit_test_cell(grade_id, source):
    def edit(nb):
        nb["cells"][_find(nb, grade_id)]["source"] = source
    return edit


def move_test_cell_to_top(grade_id):
    def edit(nb):
        nb["cells"].insert(1, nb["cells"].pop(_find(nb, grade_id)))
    return edit


def duplicate_test_cell(grade_id):
    def edit(nb):
        i = _find(nb, grade_id)
        twin = copy.deepcopy(nb["cells"][i])
        twin["id"] = twin["id"] + "-copy"
        nb["cells"].insert(i + 1, twin)
    return edit


def strip_nbgrader_metadata(nb):
    for c in nb["cells"]:
        c["metadata"] = {}


def add_outputs(nb):
    """As if saved from JupyterLab after running: outputs, counts, a claimed score."""
    for n, c in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        c["execution_count"] = n + 1
        c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran\n"}]
        if c["metadata"].get("nbgrader", {}).get("grade"):
            c["outputs"].append({"output_type": "execute_result", "execution_count": n + 1,
                                 "metadata": {}, "data": {"text/plain": "1000"}})
