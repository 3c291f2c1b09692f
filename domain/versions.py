"""Model version management: declared versions plus content fingerprints of what shapes output."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from domain.errors import ConfigError
from domain.models import ComponentVersion, VersionManifest

ROLES = ("section_classifier", "skills_extractor", "taxonomy", "aliases")


def fingerprint(named_contents: Mapping[str, bytes], length: int = 8) -> str:
    """Digest of (name, bytes) pairs, order-independent, so renames and edits both show."""
    h = hashlib.sha256()
    for name in sorted(named_contents):
        h.update(name.encode())
        h.update(b"\x00")
        h.update(hashlib.sha256(named_contents[name]).digest())
    return h.hexdigest()[:length]


SPAN_SLOT = "span"  # in skills_extractor.params.strategies: the active profile's span strategy


def resolve_profile(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec as the active profile makes it: its enrichment_version, its span strategy.

    model_versions.yaml may declare `profiles` (name -> enrichment_version, span_strategy and
    optional extractor_params that override skills_extractor.params) and select one with
    `profile`. The profile's span strategy takes the `span` slot of
    skills_extractor.params.strategies, and the other profiles' span components are dropped,
    so each profile is its own enrichment version built only from what it runs. A spec without
    `profiles` is returned as it is.
    """
    out = dict(spec)
    profiles = out.pop("profiles", None)
    if profiles is None:
        return out
    name = out.get("profile")
    if not isinstance(profiles, Mapping) or name not in profiles:
        raise ConfigError(
            f"model_versions.yaml: profile {name!r} is not one of {sorted(profiles or {})}"
        )
    chosen = profiles[name]
    span = chosen.get("span_strategy")
    comps = dict(out.get("components") or {})
    if span not in comps:
        raise ConfigError(f"model_versions.yaml: profile {name!r}: no component {span!r}")
    for other in profiles.values():
        if other.get("span_strategy") != span:
            comps.pop(other.get("span_strategy"), None)
    extractor = dict(comps.get("skills_extractor") or {})
    params = dict(extractor.get("params") or {})
    params["strategies"] = [span if s == SPAN_SLOT else s for s in params.get("strategies", [])]
    params.update(chosen.get("extractor_params") or {})
    extractor["params"] = params
    comps["skills_extractor"] = extractor
    out["components"] = comps
    out["enrichment_version"] = chosen.get("enrichment_version")
    return out


def build_manifest(
    spec: Mapping[str, Any], spec_bytes: bytes, files: Mapping[str, bytes]
) -> VersionManifest:
    """Turn the parsed model_versions.yaml (+ the bytes of every file it names) into a manifest.

    `files` maps each path named in the spec to its content; a missing one is a ConfigError.
    """
    declared = spec.get("enrichment_version")
    if not isinstance(declared, str) or not declared:
        raise ConfigError("model_versions.yaml: 'enrichment_version' must be a non-empty string")
    comps = spec.get("components")
    if not isinstance(comps, Mapping):
        raise ConfigError("model_versions.yaml: 'components' must be a mapping")
    missing = [r for r in ROLES if r not in comps]
    if missing:
        raise ConfigError(f"model_versions.yaml: components missing {missing}")

    out: list[ComponentVersion] = []
    for role in sorted(comps):
        c = comps[role]
        if not isinstance(c, Mapping) or "name" not in c or "version" not in c:
            raise ConfigError(f"model_versions.yaml: component '{role}' needs name and version")
        paths = list(c.get("files", []))
        absent = [p for p in paths if p not in files]
        if absent:
            raise ConfigError(f"component '{role}' names files that do not exist: {absent}")
        fp = fingerprint({p: files[p] for p in paths} | {"__params__": _params_bytes(c)})
        out.append(ComponentVersion(role, str(c["name"]), str(c["version"]), fp))
    overall = fingerprint({"model_versions.yaml": spec_bytes} | {p: files[p] for p in files})
    return VersionManifest(declared=declared, fingerprint=overall, components=tuple(out))


def _params_bytes(component: Mapping[str, Any]) -> bytes:
    params = component.get("params", {})
    return repr(sorted(params.items()) if isinstance(params, Mapping) else params).encode()
