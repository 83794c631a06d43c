"""Assemble a program's IDL from Anchor's `__anchor_private_print_idl*` test output.

Mirrors anchor-lang-idl 0.1.4 `build::build_idl` (what `anchor idl build` does):
the idl-build tests print marked sections (address, const, event, errors,
program); they are merged into one IDL, module paths are shortened where
that is unambiguous, and lists are sorted so the committed file is stable.
"""
import json
import re
import sys

text = sys.stdin.read()
sections = re.findall(r"^--- IDL begin (\w+) ---\n(.*?)^--- IDL end \1 ---$", text, re.M | re.S)
if not sections:
    sys.exit("no IDL sections in the idl-build test output:\n" + text[-2000:])

idl, address, constants, events, errors, types = None, "", [], [], [], {}
for kind, body in sections:
    if kind == "address":
        address = re.sub(r"[^0-9A-Za-z]", "", body)
    elif kind == "const":
        constants.append(json.loads(body))
    elif kind == "event":
        printed = json.loads(body)
        events.append(printed["event"])
        types.update({t["name"]: t for t in printed["types"]})
    elif kind == "errors":
        errors = json.loads(body)
    elif kind == "program":
        idl = json.loads(body)
if idl is None:
    sys.exit("the idl-build output has no program section")

types.update({t["name"]: t for t in idl.get("types", [])})
idl.update(address=address, constants=constants, events=events, errors=errors, types=list(types.values()))

# Shorten `a::b::Name` to `Name` where no other path ends in the same name.
raw = json.dumps(idl)
for path, name in set(re.findall(r'"((?:\w+::)+(\w+))"', raw)):
    shortened = raw.replace(f'"{path}"', f'"{name}"')
    if not re.search(rf'"(?:\w+::)+{name}"', shortened):
        raw = shortened
idl = json.loads(raw)
for key in ("accounts", "constants", "events", "instructions", "types"):
    idl[key] = sorted(idl.get(key, []), key=lambda item: item["name"])
print(json.dumps(idl, indent=2, sort_keys=True))
