"""nbgrader configuration: the repository root is an nbgrader course.

solutions/ is nbgrader's source folder and assignments/ its release folder, one assignment per notebook,
named by the notebook's stem. `python -m autograde build` writes assignments/ with nbgrader's own
preprocessors; `nbgrader generate_assignment STEM` gives the same notebook, and adds the assignment to
nbgrader's gradebook (gradebook.db, not committed).
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.course_id = "rnn-workbook"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")
# the stored self-check cases sit beside each notebook and travel with it
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
