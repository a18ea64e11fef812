# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one reader of the C(key = value) files the modules own: a sysctl.d(5) drop-in file (sysctl) and a
wg(8) peers file (wireguard_peer).

The file itself is read with files.read_file (bytes and mode, to compare with what the module would
write); key_value_lines splits its text into numbered C(key = value) lines, C([Section]) headers and lines
that are neither. What the keys mean, and whether a line that is neither is skipped or refused, is
each format's own business (sysctl.parse_conf, wireguard_peers_file.parse_peers_conf).
"""

from __future__ import annotations


class ConfLine:
    """One line that is not blank or a comment: its NUMBER (from 1) and what it is.

    A C([Section]) header has SECTION (as written, brackets included) and no key. A C(key = value) line
    has KEY and VALUE, both stripped (the value is split at the first '=', so it may hold more). A line
    that is neither has only TEXT.
    """

    def __init__(self, number: int, text: str, section: str | None = None, key: str | None = None, value: str | None = None):
        self.number = number
        self.text = text
        self.section = section
        self.key = key
        self.value = value

    def __repr__(self):
        # Never the value: it may be a key.
        return "ConfLine(%d, section=%r, key=%r)" % (self.number, self.section, self.key)


def key_value_lines(text: str, comments: str = "#", inline_comments: bool = False, sections: bool = False) -> list[ConfLine]:
    """Return the lines of TEXT that are not blank or comments, stripped, as ConfLine.

    A line whose first character is in COMMENTS is a comment. With INLINE_COMMENTS a comment character
    anywhere ends the line (wg(8)); without, it is part of the value (sysctl.d(5)). With SECTIONS a
    line starting with '[' is a section header.
    """
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if inline_comments:
            for character in comments:
                line = line.split(character, 1)[0].strip()
        if not line or line[0] in comments:
            continue
        if sections and line.startswith("["):
            lines.append(ConfLine(number, line, section=line))
            continue
        key, separator, value = line.partition("=")
        if separator:
            lines.append(ConfLine(number, line, key=key.strip(), value=value.strip()))
        else:
            lines.append(ConfLine(number, line))
    return lines
