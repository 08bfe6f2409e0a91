#!/usr/bin/env python3
"""Holds the library boundaries written in the top README (issue 18).

The README's layout section carries ONE fenced block, tagged `deps`, with a
line per library folder:

    projections: projections/status_list projections/stats stream schemas base

A file belongs to the longest folder named on the left; it may include (with
`#include "folder/..."`) files of its own folder and of the folders on its
right only. `*` on the right allows anything (tools/, tests/). The checker
fails when:
  - a file includes across a boundary the block does not allow;
  - a file includes another library's `internal/` header;
  - a C++ file lies outside every declared folder;
  - the declared graph has a cycle (dependencies point one way);
  - a library folder's CMakeLists.txt links a `cityid_*` library defined in a
    folder it may not use (so e.g. no projections target links a ledger one).
    Test-support libraries defined under tests/ are exempt.

Usage: check_boundaries.py [--root DIR]   check a tree (default: this repo)
       check_boundaries.py --self-test    run on temp trees, including ones
                                          that must fail
Exit status 0 when clean, 1 with one line per violation otherwise.
"""

import argparse
import os
import re
import sys
import tempfile

CXX_EXTENSIONS = ('.h', '.hpp', '.cc', '.cpp')
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
BLOCK_RE = re.compile(r'^```deps\n(.*?)^```', re.MULTILINE | re.DOTALL)
LIBRARY_RE = re.compile(r'\b(?:cityid_library|add_library)\(\s*([A-Za-z0-9_]+)')
TARGET_TOKEN_RE = re.compile(r'\bcityid_[A-Za-z0-9_]+\b')


def parse_graph(readme_text):
    """Returns {folder: set(allowed folders or '*')} from the deps block."""
    match = BLOCK_RE.search(readme_text)
    if not match:
        raise ValueError('README.md has no ```deps block')
    graph = {}
    for number, line in enumerate(match.group(1).splitlines(), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        if ':' not in line:
            raise ValueError(f'deps block line {number}: no "lib:" in {line!r}')
        lib, deps = line.split(':', 1)
        graph[lib.strip().rstrip('/')] = {d.rstrip('/') for d in deps.split()}
    return graph


def owner(path, graph):
    """The longest declared folder that contains `path`, or None."""
    best = None
    for lib in graph:
        if path == lib or path.startswith(lib + '/'):
            if best is None or len(lib) > len(best):
                best = lib
    return best


def find_cycle(graph):
    """A list of folders forming a cycle among declared edges, or None."""
    state = {}

    def visit(lib, stack):
        state[lib] = 'open'
        for dep in sorted(graph.get(lib, ())):
            if dep == '*' or dep not in graph:
                continue
            if state.get(dep) == 'open':
                return stack[stack.index(dep):] + [dep]
            if dep not in state:
                cycle = visit(dep, stack + [dep])
                if cycle:
                    return cycle
        state[lib] = 'done'
        return None

    for lib in sorted(graph):
        if lib not in state:
            cycle = visit(lib, [lib])
            if cycle:
                return cycle
    return None


def allowed(source_lib, target_lib, graph):
    deps = graph[source_lib]
    return target_lib == source_lib or '*' in deps or target_lib in deps


def is_internal(path):
    return '/internal/' in '/' + path


def check_includes(root, graph, errors):
    top_folders = sorted({lib.split('/')[0] for lib in graph})
    for top in top_folders:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            for name in sorted(filenames):
                if not name.endswith(CXX_EXTENSIONS):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, '/')
                source_lib = owner(rel, graph)
                if source_lib is None:
                    errors.append(f'{rel}: in no folder of the README deps block')
                    continue
                with open(full, encoding='utf-8', errors='replace') as f:
                    text = f.read()
                for target in INCLUDE_RE.findall(text):
                    target_lib = owner(target, graph)
                    if target_lib is None:
                        continue  # not one of ours (or a sibling file)
                    if not allowed(source_lib, target_lib, graph):
                        errors.append(f'{rel}: includes "{target}": '
                                      f'{source_lib} may not use {target_lib}')
                    elif is_internal(target) and target_lib != source_lib:
                        errors.append(f'{rel}: includes "{target}": internal '
                                      f'to {target_lib}')


def cmake_files(root, graph):
    top_folders = sorted({lib.split('/')[0] for lib in graph})
    for top in top_folders:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            if 'CMakeLists.txt' in filenames:
                full = os.path.join(dirpath, 'CMakeLists.txt')
                yield full, os.path.relpath(dirpath, root).replace(os.sep, '/')


def check_cmake(root, graph, errors):
    defined_in = {}  # library target -> folder whose CMakeLists defines it
    texts = []
    for full, folder in cmake_files(root, graph):
        with open(full, encoding='utf-8') as f:
            text = re.sub(r'#[^\n]*', '', f.read())
        texts.append((folder, text))
        for target in LIBRARY_RE.findall(text):
            defined_in[target] = folder
    for folder, text in texts:
        source_lib = owner(folder, graph)
        if source_lib is None or '*' in graph[source_lib]:
            continue
        for token in sorted(set(TARGET_TOKEN_RE.findall(text))):
            home = defined_in.get(token)
            if home is None or home.split('/')[0] == 'tests':
                continue
            target_lib = owner(home, graph)
            if target_lib and not allowed(source_lib, target_lib, graph):
                errors.append(f'{folder}/CMakeLists.txt: links {token} '
                              f'({home}/): {source_lib} may not use {target_lib}')


def check(root):
    """Returns the list of violations in the tree at `root`."""
    with open(os.path.join(root, 'README.md'), encoding='utf-8') as f:
        try:
            graph = parse_graph(f.read())
        except ValueError as e:
            return [f'README.md: {e}']
    errors = []
    for lib, deps in sorted(graph.items()):
        for dep in sorted(deps - {'*'}):
            if dep not in graph:
                errors.append(f'README.md: {lib} names undeclared folder {dep}')
    cycle = find_cycle(graph)
    if cycle:
        errors.append('README.md: dependency cycle ' + ' -> '.join(cycle))
    check_includes(root, graph, errors)
    check_cmake(root, graph, errors)
    return errors


# --- self-test -------------------------------------------------------------

SELF_TEST_README = """# t

```deps
base:
stream: base
ledger: stream base
ledger/audit: ledger base
projections: stream base
tools: *
```
"""


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


def clean_tree():
    return {
        'README.md': SELF_TEST_README,
        'base/status.h': '#include <string>\n',
        'stream/source.h': '#include "base/status.h"\n',
        'ledger/ledger.h': '#include "stream/source.h"\n',
        'ledger/CMakeLists.txt': 'cityid_library(cityid_ledger SOURCES l.cc)\n',
        'ledger/audit/internal/state.h': '#include "ledger/ledger.h"\n',
        'ledger/audit/audit.cc': '#include "ledger/audit/internal/state.h"\n',
        'projections/registry.cc': '#include "stream/source.h"\n',
        'projections/CMakeLists.txt':
            'cityid_library(cityid_projections SOURCES r.cc DEPS cityid_stream)\n',
        'stream/CMakeLists.txt': 'cityid_library(cityid_stream SOURCES s.cc)\n',
        'tools/main.cc': '#include "ledger/ledger.h"\n#include "projections/r.h"\n',
    }


def self_test():
    cases = [
        # (name, changes to the clean tree, a substring every failure shows)
        ('clean tree passes', {}, None),
        ('projections -> ledger include fails',
         {'projections/registry.cc': '#include "ledger/ledger.h"\n'},
         'projections may not use ledger'),
        ('projections -> ledger subfolder include fails',
         {'projections/registry.cc': '#include "ledger/audit/audit.h"\n'},
         'projections may not use ledger/audit'),
        ('stream -> ledger include fails',
         {'stream/source.cc': '  #include "ledger/ledger.h"  // x\n'},
         'stream may not use ledger'),
        ('another library\'s internal header fails',
         {'tools/main.cc': '#include "ledger/audit/internal/state.h"\n'},
         'internal to ledger/audit'),
        ('projections CMake linking a ledger target fails',
         {'projections/CMakeLists.txt':
              'cityid_library(cityid_projections SOURCES r.cc\n'
              '  DEPS cityid_stream cityid_ledger)\n'},
         'links cityid_ledger'),
        ('a file outside every folder fails',
         {'docs/x.cc': '', 'README.md': SELF_TEST_README.replace(
             'tools: *', 'tools: *\ndocs/other: base')},
         'in no folder'),
        ('a cycle in the README graph fails',
         {'README.md': SELF_TEST_README.replace('stream: base',
                                                'stream: base ledger')},
         'dependency cycle'),
    ]
    failures = 0
    for name, changes, expected in cases:
        with tempfile.TemporaryDirectory() as root:
            files = clean_tree()
            files.update(changes)
            write_tree(root, files)
            errors = check(root)
        if expected is None:
            ok = errors == []
        else:
            ok = bool(errors) and any(expected in e for e in errors)
        print(('PASS ' if ok else 'FAIL ') + name)
        if not ok:
            failures += 1
            for e in errors or ['(no violation reported)']:
                print('    ' + e)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    parser.add_argument('--self-test', action='store_true')
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    errors = check(os.path.abspath(args.root))
    for e in errors:
        print(e)
    if not errors:
        print('boundaries hold')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
