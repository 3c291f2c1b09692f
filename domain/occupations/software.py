"""Software 'Engineer' titles read also as 'Developer' titles (coder v4).

O*NET 29.2 lists most software jobs in SOC 15-12xx under "Developer" or "Programmer" forms and
few under "Engineer" forms, so "Full-Stack Engineer" or "Android Engineer" drew SOC 17
(architecture and engineering). `developer_form(text)` gives, for a normalized title that names an
engineer together with a software word ("full stack engineer", "sw engineer", "android engineer"),
the same title with engineer -> developer (and sw -> software); None otherwise ("manufacturing
engineer", "sales engineer", "network engineer" stay as they are). The coder averages the class
probabilities of both forms, so the title's own reading still counts. Pure: no I/O.
"""

from __future__ import annotations

# Words that make an engineer a software engineer. Chosen by hand as software-only words:
# languages, stacks, platforms, app kinds. Not 'data', 'network', 'systems', 'security', 'test',
# 'embedded' or 'cloud' alone: those name engineers O*NET codes outside software development too.
SOFTWARE_WORDS = frozenset(
    [
        "software",
        "sw",
        "full",
        "stack",
        "front",
        "back",
        "web",
        "mobile",
        "android",
        "ios",
        "java",
        "javascript",
        "typescript",
        "python",
        ".net",
        "net",
        "c#",
        "c++",
        "golang",
        "ruby",
        "php",
        "scala",
        "kotlin",
        "swift",
        "react",
        "angular",
        "node",
        "node.js",
        "vue",
        "devops",
        "reliability",
        "application",
        "applications",
        "app",
        "apps",
        "game",
        "games",
        "frontend",
        "backend",
        "api",
        "microservices",
        "salesforce",
        "dynamics",
        "ecommerce",
        "e-commerce",
        "fullstack",
        "wordpress",
        "drupal",
        "magento",
        "unity",
        "unreal",
        "blockchain",
    ]
)
_ENGINEER = {"engineer": "developer", "engineers": "developers", "sw": "software"}


def developer_form(text: str) -> str | None:
    """`text` (a normalized title) with engineer -> developer when it names an engineer and a
    software word, else None."""
    words = text.split()
    if not any(w in ("engineer", "engineers") for w in words):
        return None
    if not any(w in SOFTWARE_WORDS for w in words):
        return None
    return " ".join(_ENGINEER.get(w, w) for w in words)
