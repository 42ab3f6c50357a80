"""CI integration: GitHub Actions step summaries and annotations for ``golive run --ci``."""

from golive.ci.annotations import ci_annotations
from golive.ci.github import CiOutputs, publish
from golive.ci.lines import case_lines
from golive.ci.workflow import escape_data, escape_property, stop_commands, workflow_command

__all__ = [
    "CiOutputs",
    "case_lines",
    "ci_annotations",
    "escape_data",
    "escape_property",
    "publish",
    "stop_commands",
    "workflow_command",
]
