"""The values that cross stage boundaries: discover -> extract -> model -> graph -> solve -> rank -> report.

Every record is a frozen dataclass; collections are tuples so records hash and compare. Stages import
from here (`from riskscan.types import Tool`) and from nowhere upstream of themselves. The package is
split by stage only to keep each file readable.
"""

from riskscan.types.core import (  # noqa: F401
    ALL_LABELS,
    CODE_EXEC,
    CONFIDENCE_ANNOTATION,
    CONFIDENCE_API,
    CONFIDENCE_CATALOG,
    CONFIDENCE_LEXICON,
    CONFIDENCE_UNKNOWN_SERVER,
    CREDENTIAL_CHANGE,
    DB_WRITE,
    EXTERNAL_SEND,
    FINANCIAL,
    FS_DELETE,
    FS_WRITE,
    PRIVATE_DATA,
    SECRET_READ,
    SEVERITIES,
    SPAWN_AGENT,
    UNTRUSTED_INPUT,
    Atom,
    Capability,
    Check,
    Condition,
    Diagnostic,
    Evidence,
    Gate,
    GuardedArgument,
    Items,
    Location,
    Opaque,
    Ref,
    Term,
    Value,
    When,
    confidence_level,
)
from riskscan.types.facts import (  # noqa: F401
    AgentFact,
    ArgFlow,
    Binding,
    CallSite,
    ContextLink,
    Discovery,
    Dispatch,
    Facts,
    FunctionFact,
    HygieneFact,
    Registration,
    SourceFile,
    ToolFact,
)
from riskscan.types.results import (  # noqa: F401
    BaselineEntry,
    Config,
    Coverage,
    Factor,
    Finding,
    Fix,
    Path,
    PathStep,
    Report,
    Rule,
    Step,
    Suppression,
)
from riskscan.types.system import (  # noqa: F401
    Agent,
    Handoff,
    Holding,
    SystemModel,
    Tool,
)
