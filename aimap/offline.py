"""The built-in offline planner: a story map from a product description, with no model and no network.

It reads who uses the product (roles) and what they do with it (a verb and its
object: "owners book appointments", "get vaccination reminders"), in the order
the text gives them. Each capability becomes an activity of the backbone; its
steps break the capability down in the product's own words, following the kind
of verb (finding, booking, creating, receiving, viewing, sharing, paying,
managing, learning, rating). Every step gets a core story and an enhancement;
the core stories of the first steps of every activity form the MVP, a thin
slice across the whole backbone. The same text always gives the same map.
"""

import re
from dataclasses import dataclass

MAX_ACTIVITIES = 8
MAX_OBJECT_WORDS = 6
DESCRIPTION_LIMIT = 4_000

CATEGORIES: dict[str, set[str]] = {
    "find": {"find", "search", "browse", "discover", "explore", "compare", "look", "filter", "locate"},
    "book": {"book", "reserve", "order", "buy", "purchase", "rent", "hire", "request", "apply", "register", "join"},
    "create": {
        "create",
        "write",
        "post",
        "upload",
        "add",
        "log",
        "record",
        "publish",
        "draft",
        "submit",
        "list",
        "enter",
        "save",
        "collect",
        "build",
        "design",
        "capture",
        "import",
        "scan",
    },
    "receive": {"get", "receive", "remind", "notify", "alert"},
    "view": {
        "see",
        "view",
        "track",
        "monitor",
        "check",
        "follow",
        "read",
        "watch",
        "analyze",
        "analyse",
        "report",
        "visualize",
        "visualise",
        "measure",
        "export",
        "download",
        "access",
        "keep",
    },
    "share": {
        "share",
        "invite",
        "message",
        "chat",
        "comment",
        "send",
        "collaborate",
        "discuss",
        "contact",
        "email",
        "call",
        "talk",
        "reply",
        "connect",
        "recommend",
    },
    "pay": {"pay", "checkout", "subscribe", "tip", "donate", "bill", "invoice", "refund", "split", "sell"},
    "manage": {
        "manage",
        "approve",
        "assign",
        "organize",
        "organise",
        "plan",
        "edit",
        "update",
        "moderate",
        "configure",
        "administer",
        "run",
        "handle",
        "coordinate",
        "sort",
        "schedule",
        "confirm",
        "cancel",
        "accept",
        "reject",
        "resolve",
        "prioritize",
        "prioritise",
        "dispatch",
        "deliver",
        "publish",
    },
    "learn": {"learn", "practice", "practise", "study", "take", "complete", "train", "answer", "solve", "attend"},
    "rate": {"rate", "review", "vote", "like", "favourite", "favorite", "bookmark"},
}
VERBS = {verb: category for category, verbs in CATEGORIES.items() for verb in verbs}

STEPS = {
    "find": ["Search for {obj}", "Filter and compare {obj}", "Open {the} details", "Save favourite {obj}"],
    "book": ["Find available {obj}", "Choose {one}", "Confirm {the}", "Change or cancel {one}"],
    "create": ["{Verb} {one}", "Add details to {the}", "Check {the} before saving", "Edit or remove {one}"],
    "receive": ["Choose which {obj} to get", "{Verb} {obj}", "Act on {one}", "Pause or stop {obj}"],
    "view": ["{Verb} {obj}", "Filter and sort {obj}", "See the details of {one}", "Export {obj}"],
    "share": ["{Verb} {obj}", "Choose who gets {obj}", "Follow replies about {obj}"],
    "pay": ["Check the amount before paying", "{Verb} {obj}", "Get a receipt", "See past payments"],
    "manage": ["See all {obj}", "{Verb} {obj}", "Update {one}", "Handle changes to {obj}"],
    "learn": ["Choose {one} to {verb}", "{Verb} {obj}", "See my progress in {obj}", "Repeat {obj} I got wrong"],
    "rate": ["{Verb} {obj}", "Read what others said about {obj}", "Change my rating of {one}"],
    None: ["Get ready to {verb} {obj}", "{Verb} {obj}", "Check {obj} afterwards"],
}
OUTCOMES = {
    "find": "I see the matching {obj} first",
    "book": "{the} is confirmed and I get a confirmation",
    "create": "{the} is saved and I can find it again",
    "receive": "I get {obj} at the right moment",
    "view": "I see {obj} up to date",
    "share": "the people I chose get {obj}",
    "pay": "the payment goes through and I get a receipt",
    "manage": "everyone involved sees the updated {obj}",
    "learn": "my progress in {obj} is saved",
    "rate": "my rating shows with {the}",
    None: "{obj} show what I did",
}
BENEFITS = {
    "find": "I quickly find the {obj} that suit me",
    "book": "I don't have to call or wait to get {one}",
    "create": "my {obj} are kept in one place",
    "receive": "I never miss {obj}",
    "view": "I always know where my {obj} stand",
    "share": "others can use my {obj} too",
    "pay": "paying for {obj} takes no effort",
    "manage": "{obj} stay accurate without extra work",
    "learn": "I make steady progress with {obj}",
    "rate": "others can choose {obj} with confidence",
    None: "I can {verb} {obj} without help",
}
ENHANCEMENTS = ["faster the next time", "from my phone", "with clear feedback at every step"]

DETERMINERS = {
    "a",
    "an",
    "the",
    "their",
    "his",
    "her",
    "its",
    "our",
    "my",
    "your",
    "some",
    "any",
    "all",
    "each",
    "every",
    "own",
    "new",
    "them",
    "it",
    "this",
    "that",
    "these",
    "those",
}
MODALS = {
    "can",
    "could",
    "will",
    "would",
    "should",
    "shall",
    "may",
    "must",
    "to",
    "be",
    "able",
    "also",
    "easily",
    "quickly",
    "then",
    "want",
    "wants",
    "need",
    "needs",
    "just",
    "simply",
    "directly",
}
ENABLERS = {"lets", "let", "allows", "allow", "helps", "help", "enables", "enable"}
OBJECT_STOPS = {
    "so",
    "to",
    "for",
    "with",
    "by",
    "via",
    "in",
    "on",
    "at",
    "from",
    "when",
    "while",
    "before",
    "after",
    "without",
    "through",
    "using",
    "into",
    "and",
    "or",
    "that",
    "which",
    "who",
    "where",
    "because",
}
SUBJECT_BOUNDARIES = {
    "where",
    "who",
    "whose",
    "that",
    "which",
    "when",
    "for",
    "with",
    "in",
    "on",
    "of",
    "by",
    "while",
    "sharing",
    "booking",
    "tracking",
    "learning",
    "management",
    "based",
    "online",
}
NOT_ROLES = {
    "app",
    "application",
    "platform",
    "tool",
    "site",
    "website",
    "service",
    "system",
    "product",
    "it",
    "they",
    "we",
    "you",
    "i",
    "he",
    "she",
    "there",
    "this",
    "which",
    "who",
    "that",
    "marketplace",
}
PRODUCT_NOUNS = {
    "app",
    "application",
    "platform",
    "tool",
    "site",
    "website",
    "service",
    "system",
    "marketplace",
    "portal",
    "dashboard",
    "bot",
    "game",
    "store",
    "shop",
    "tracker",
    "planner",
    "manager",
}

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\u2019-]*")


@dataclass
class Capability:
    role: str
    verb: str
    category: str | None
    obj: str  # as the text says it, determiners dropped: "vaccination reminders"
    purpose: str  # "so that …" / "to …" from the text, or ""


def _clean(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


def _base_verb(word: str) -> str:
    word = word.lower()
    if word in VERBS:
        return word
    for suffix, replacement in (
        ("ies", "y"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("sses", "ss"),
        ("xes", "x"),
        ("es", "e"),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and word[: -len(suffix)] + replacement in VERBS:
            return word[: -len(suffix)] + replacement
    return word


def singular(word: str) -> str:
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(ches|shes|sses|xes|zes)$", lower):
        return word[:-2]
    if lower.endswith("s") and not re.search(r"(ss|us|is|'s)$", lower) and len(word) > 3:
        return word[:-1]
    return word


def plural(word: str) -> str:
    lower = word.lower()
    if lower.endswith("s"):
        return word
    if re.search(r"[^aeiou]y$", lower):
        return word[:-1] + "ies"
    if re.search(r"(ch|sh|x|z)$", lower):
        return word + "es"
    return word + "s"


def _article(phrase: str) -> str:
    lower = phrase.lower()
    sounds_like_vowel = lower[:1] in "aeiou" and not re.match(r"(us|uni|eu|one)", lower)
    return ("an " if sounds_like_vowel else "a ") + phrase


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fragments(description: str) -> list[str]:
    """Clauses, then comma/"and" parts of them, in reading order."""
    text = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", description, flags=re.MULTILINE)
    parts = []
    for clause in re.split(r"[.;:!?\n]+", text):
        for fragment in re.split(r",|\band\b|\bor\b|\bas well as\b|\bplus\b", clause):
            if fragment.strip():
                parts.append(fragment.strip())
    return parts


def _purpose(words: list[str], start: int) -> str:
    for index in range(start, len(words)):
        if words[index].lower() == "so" and index + 1 < len(words) and words[index + 1].lower() == "that":
            return " ".join(words[index + 2 :])
        if words[index].lower() in {"to", "so"} and index + 1 < len(words) and index > start:
            return " ".join(words[index + 1 :])
    return ""


def _read_fragment(fragment: str, role: str | None) -> tuple[str | None, Capability | None]:
    words = _WORD.findall(fragment)
    lowered = [word.lower() for word in words]
    verb_at = None
    for index, word in enumerate(lowered):
        if index > 0 and lowered[index - 1] in ENABLERS | {"can", "to", "will", "should", "must", "may"}:
            verb_at = index
            break
        if _base_verb(word) in VERBS and (index == 0 or lowered[index - 1] not in DETERMINERS):
            verb_at = index
            break
    if verb_at is None:
        return role, None
    # The subject: the nouns just before the verb, back to the first word that cannot be part of one.
    subject: list[str] = []
    for word in reversed(lowered[:verb_at]):
        if word in MODALS:
            continue
        if word in DETERMINERS | ENABLERS | NOT_ROLES | PRODUCT_NOUNS | SUBJECT_BOUNDARIES or len(subject) == 3:
            break
        subject.insert(0, word)
    if subject and not any(w in VERBS for w in subject):
        role = " ".join([*subject[:-1], singular(subject[-1])])
    verb = _base_verb(lowered[verb_at])
    rest = words[verb_at + 1 :]
    if verb in {"get", "keep"} and rest and rest[0].lower() in {"notified", "reminded", "alerted", "informed"}:
        rest = rest[1:]
    if rest and rest[0].lower() in {"on", "to", "with", "for", "about", "in"} and len(rest) > 1:
        verb_phrase = f"{verb} {rest[0].lower()}"
        rest = rest[1:]
    else:
        verb_phrase = verb
    obj_words: list[str] = []
    for word in rest:
        if word.lower() in OBJECT_STOPS or len(obj_words) >= MAX_OBJECT_WORDS:
            break
        if not obj_words and word.lower() in DETERMINERS | {"up", "out", "about"}:
            continue
        obj_words.append(word)
    if not obj_words:
        return role, None
    obj = " ".join(obj_words)
    return role, Capability(role or "", verb_phrase, VERBS.get(verb), obj, _purpose(words, verb_at + 1))


def _product(description: str) -> tuple[str, str]:
    """(title, product noun) from the description's first clause."""
    first = re.split(r"[.:;,\n]|\b(?:where|which|that|who|so|to help|to let)\b", description.strip(), maxsplit=1)[0]
    words = _WORD.findall(first)
    while words and words[0].lower() in DETERMINERS | {"we", "i", "build", "building", "want", "make"}:
        words = words[1:]
    title = " ".join(words[:10]) or "Story map"
    lowered = [word.lower() for word in words]
    noun = ""
    for index, word in enumerate(lowered):
        if word in PRODUCT_NOUNS and index > 0:
            noun = lowered[index - 1]
            break
    if not noun and lowered:
        noun = lowered[-1]
    return _capitalise(title)[:120], noun


def _default_role(description: str) -> str:
    match = re.search(r"\bfor ((?:[a-z]+ ){0,2}?[a-z]+s)\b", description.lower())
    if match:
        candidate = match.group(1).split()
        if candidate[-1] not in NOT_ROLES | PRODUCT_NOUNS and not any(w in DETERMINERS for w in candidate):
            return " ".join(singular(word) for word in candidate)
    return "user"


def _capabilities(description: str) -> list[Capability]:
    role: str | None = None
    found: list[Capability] = []
    seen: set[tuple[str, str]] = set()
    for fragment in _fragments(description):
        role, capability = _read_fragment(fragment, role)
        if capability is None:
            continue
        key = (capability.verb, capability.obj.lower())
        if key not in seen:
            seen.add(key)
            found.append(capability)
    default = _default_role(description)
    for capability in found:
        capability.role = capability.role or default
    return found


def _phrases(capability: Capability) -> dict[str, str]:
    """The object for the templates: many ("appointments"), one ("an appointment"), the ("the appointment")."""
    words = capability.obj.split()
    head = words[-1]
    if "'" in capability.obj:
        # A named thing ("pet's history") stays as the text names it.
        many = one = the = capability.obj
    elif singular(head) != head:
        noun = " ".join([*words[:-1], singular(head)])
        many, one, the = capability.obj, _article(noun), f"the {noun}"
    else:
        many = one = the = f"the {capability.obj}"
    return {"obj": many, "one": one, "the": the, "verb": capability.verb, "Verb": capability.verb.capitalize()}


def _fill(template: str, phrases: dict[str, str]) -> str:
    return _capitalise(template.format(**phrases))[:200]


def _story(
    title: str,
    role: str,
    goal: str,
    benefit: str,
    outcome: str,
    *,
    release: str,
    priority: str,
    estimate: int,
    persona: str,
) -> dict:
    goal_lower = goal[:1].lower() + goal[1:]
    return {
        "title": title[:200],
        "description": f"As {_article(role)}, I want to {goal_lower}, so that {benefit}.",
        "acceptance_criteria": [
            f"Given I am signed in as {_article(role)}, when I {goal_lower}, then {outcome}.",
            f"Given something required is missing, when I {goal_lower}, then I see what to fix and nothing is lost.",
        ],
        "release": release,
        "priority": priority,
        "estimate": estimate,
        "persona": persona,
    }


def plan_map(description: str) -> dict:
    """A story map document for `description`. ValueError when the text has no words to read."""
    raw = (description or "").replace("\u2019", "'")
    text = _clean(raw)
    if not _WORD.search(text):
        raise ValueError(
            "The description has no words to build a map from: describe who uses the product and what they do."
        )
    title, product_noun = _product(raw)
    capabilities = _capabilities(raw)[:MAX_ACTIVITIES]
    if not capabilities:
        items = f"{product_noun} items" if product_noun else "items"
        role = _default_role(text)
        capabilities = [Capability(role, verb, VERBS[verb], items, "") for verb in ("add", "organise", "check")]

    personas: dict[str, dict] = {}
    for capability in capabilities:
        name = _capitalise(capability.role)
        persona = personas.setdefault(name, {"name": name, "description": "", "goals": []})
        persona["goals"].append(_capitalise(f"{capability.verb} {capability.obj}"))
    for persona in personas.values():
        persona["description"] = (
            f"Uses {title.lower() if title[:1].isupper() else title} to "
            + "; ".join(goal[:1].lower() + goal[1:] for goal in persona["goals"])
            + "."
        )
        persona["description"] = persona["description"][:4000]

    activities = []
    used_titles: set[str] = set()
    for capability in capabilities:
        phrases = _phrases(capability)
        activity_title = _capitalise(f"{capability.verb} {capability.obj}")[:200]
        if activity_title.lower() in used_titles:
            continue
        used_titles.add(activity_title.lower())
        persona = _capitalise(capability.role)
        purpose = capability.purpose or BENEFITS[capability.category].format(**phrases)
        steps = []
        step_titles: set[str] = set()
        templates = STEPS[capability.category]
        for index, template in enumerate(templates):
            step_title = _fill(template, phrases)
            if step_title.lower() in step_titles:
                continue
            step_titles.add(step_title.lower())
            outcome = OUTCOMES[capability.category].format(**phrases)
            core_release, core_priority = ("MVP", "must") if index < 2 else ("Release 2", "should")
            enhancement = ENHANCEMENTS[index % len(ENHANCEMENTS)]
            stories = [
                _story(
                    step_title,
                    capability.role,
                    step_title,
                    purpose,
                    outcome,
                    release=core_release,
                    priority=core_priority,
                    estimate=(3, 2, 5, 3, 2)[index % 5],
                    persona=persona,
                ),
                _story(
                    f"{step_title} {enhancement}",
                    capability.role,
                    f"{step_title} {enhancement}",
                    purpose,
                    outcome,
                    release="Release 2" if index == 0 else "Later",
                    priority="should" if index == 0 else "could",
                    estimate=(2, 3, 1, 5, 8)[index % 5],
                    persona=persona,
                ),
            ]
            steps.append({"title": step_title, "description": "", "stories": stories})
        activities.append(
            {
                "title": activity_title,
                "description": _capitalise(f"{plural(capability.role)} {capability.verb} {capability.obj}.")[:4000],
                "steps": steps,
            }
        )

    first_steps = ", ".join(activity["title"].lower() for activity in activities[:4])
    return {
        "schema_version": 1,
        "title": title,
        "description": _truncate(text, DESCRIPTION_LIMIT),
        "personas": list(personas.values()),
        "releases": [
            {"name": "MVP", "goal": f"The thinnest path through the whole product: {first_steps}."},
            {"name": "Release 2", "goal": "The rest of each activity, and faster, friendlier versions of the basics."},
            {"name": "Later", "goal": "Nice-to-haves once the product is in use."},
        ],
        "activities": activities,
    }


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut
