"""Traditional and simplified characters: a query in one script finds the archive's other."""

from __future__ import annotations


def script_variants(chars: set[str]) -> dict[str, dict[str, str]]:
    """From OpenCC's data: for each character a reader may type, the form the archive uses.

    t2s maps a traditional character to its simplified form and s2t the reverse, each kept only
    where the archive holds the target, so that 哈爾濱 finds 哈尔滨 (and 哈尔滨 finds 哈爾濱).
    """
    import opencc
    every = "".join(chr(c) for c in range(0x3400, 0x4DC0)) + "".join(chr(c) for c in range(0x4E00, 0xA000))
    tables = {}
    for name in ("t2s", "s2t"):
        converted = opencc.OpenCC(name).convert(every)
        if len(converted) != len(every):  # a phrase rule changed the length: go character by character
            converter = opencc.OpenCC(name)
            converted = "".join(converter.convert(ch) or ch for ch in every)
        tables[name] = {a: b for a, b in zip(every, converted) if a != b and b in chars}
    return {name: dict(sorted(table.items())) for name, table in tables.items()}
