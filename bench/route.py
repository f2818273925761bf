"""Pick-walk routing bench: planned route against the exact optimum and the S-shape order.

Run from the repository root:  python bench/route.py  [--seed N]

Random pick lists (stops uniform over the aisles and along them) in warehouses of 5 to 30 aisles,
single-block and with one middle cross-aisle. Where a pick list has at most 13 stops the optimum is
computed independently by Held and Karp's dynamic programme over grid distances; larger lists are
compared with the S-shape only. "S-order" is s_shape_order (the S-shape sequence walked by shortest
paths); "S-walk" is the textbook S-shape traversal (whole aisles, no middle cross-aisle). Prints
Markdown tables.
"""

import argparse
import math
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wms.locations.routing import (  # noqa: E402
    EXACT_MAX_MIDDLE_CROSS_AISLES,
    Layout,
    grid_distance,
    plan_route,
    s_shape_order,
)

AISLE_LENGTH = 25.0
AISLE_PITCH = 3.0
AISLE_COUNTS = (5, 10, 30)
# (stops, pick lists per warehouse); Held-Karp is what limits the number of small lists.
SMALL = ((5, 300), (8, 300), (10, 150), (13, 40))
LARGE = ((20, 200), (30, 200), (45, 100), (60, 100))
TIMING_RUNS = 100
BUDGET_MS = 50  # a 60-stop pick list is planned while the picker waits: the median must stay under this


def held_karp(layout, stops):
    """Optimal tour length over the distinct spots, from scratch (not the planner's own programme)."""
    spots = sorted(set(stops))
    n = len(spots)
    start = [abs(layout.depot_x - a * layout.aisle_pitch) + y for a, y in spots]
    d = [[grid_distance(layout, a, b) for b in spots] for a in spots]
    full = 1 << n
    best = [[math.inf] * n for _ in range(full)]
    for i in range(n):
        best[1 << i][i] = start[i]
    for mask in range(1, full):
        row = best[mask]
        missing = [j for j in range(n) if not mask >> j & 1]
        for last in range(n):
            cost = row[last]
            if cost == math.inf:
                continue
            dl = d[last]
            for j in missing:
                c = cost + dl[j]
                target = best[mask | 1 << j]
                if c < target[j]:
                    target[j] = c
    return min(best[full - 1][i] + start[i] for i in range(n))


def s_shape_walk(layout, stops):
    """The textbook S-shape walk: every aisle holding a stop is walked end to end, except that an odd
    last one is entered from the front and left the same way; middle cross-aisles are not used."""
    deepest = {}
    for aisle, y in stops:
        deepest[aisle] = max(y, deepest.get(aisle, 0.0))
    xs = sorted(a * layout.aisle_pitch for a in deepest)
    first, last = (xs[0], xs[-1]) if layout.depot_x - xs[0] <= xs[-1] - layout.depot_x else (xs[-1], xs[0])
    across = abs(layout.depot_x - first) + abs(last - first) + abs(last - layout.depot_x)
    k = len(deepest)
    if k % 2 == 0:
        return across + k * layout.aisle_length
    return across + (k - 1) * layout.aisle_length + 2 * deepest[round(last / layout.aisle_pitch)]


def layouts(aisles):
    return (
        ("single block", Layout(aisles, AISLE_LENGTH, AISLE_PITCH)),
        ("1 middle cross-aisle", Layout(aisles, AISLE_LENGTH, AISLE_PITCH, (AISLE_LENGTH / 2,))),
    )


def pick_list(rng, layout, n):
    return [(rng.randrange(layout.aisles), round(rng.uniform(0, layout.aisle_length), 2)) for _ in range(n)]


def table(header, rows):
    def numeric(text):
        return text.rstrip("%").replace(".", "", 1).isdigit()

    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" if numeric(cell) else "---" for cell in rows[0]) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def against_optimum(rng):
    print(f"### Against the optimum (Held-Karp), up to {SMALL[-1][0]} stops\n")
    rows = []
    for name, _ in layouts(5):
        for aisles in AISLE_COUNTS:
            layout = dict(layouts(aisles))[name]
            for n, lists in SMALL:
                route, order, walk = [], [], []
                for _ in range(lists):
                    stops = pick_list(rng, layout, n)
                    optimum = held_karp(layout, stops)
                    route.append(plan_route(layout, stops)[1] / optimum)
                    order.append(s_shape_order(layout, stops)[1] / optimum)
                    walk.append(s_shape_walk(layout, stops) / optimum)
                rows.append(
                    [name, str(aisles), str(n), str(lists)]
                    + [f"{statistics.mean(route):.4f}", f"{max(route):.4f}"]
                    + [f"{statistics.mean(order):.3f}", f"{max(order):.3f}", f"{statistics.mean(walk):.3f}"]
                )
    table(
        ["layout", "aisles", "stops", "lists", "route/opt mean", "route/opt worst"]
        + ["S-order/opt mean", "S-order/opt worst", "S-walk/opt mean"],
        rows,
    )


def against_s_shape(rng):
    print("### Larger pick lists: S-shape against the planned route (exact by construction)\n")
    rows = []
    for name, _ in layouts(5):
        for aisles in AISLE_COUNTS:
            layout = dict(layouts(aisles))[name]
            for n, lists in LARGE:
                route, order, walk = [], [], []
                for _ in range(lists):
                    stops = pick_list(rng, layout, n)
                    r = plan_route(layout, stops)[1]
                    route.append(r)
                    order.append(s_shape_order(layout, stops)[1] / r)
                    walk.append(s_shape_walk(layout, stops) / r)
                rows.append(
                    [name, str(aisles), str(n), str(lists), f"{statistics.mean(route):.1f}"]
                    + [f"{statistics.mean(order):.3f}", f"{min(order):.3f}", f"{max(order):.3f}"]
                    + [f"{statistics.mean(walk):.3f}"]
                )
    table(
        ["layout", "aisles", "stops", "lists", "route mean (m)"]
        + ["S-order/route mean", "S-order/route min", "S-order/route max", "S-walk/route mean"],
        rows,
    )


def many_cross_aisles(rng):
    # Three middle cross-aisles go beyond the exact programme: this is the heuristic's own check.
    print("### Three middle cross-aisles (heuristic path), against Held-Karp\n")
    rows = []
    for aisles in (10, 30):
        layout = Layout(aisles, AISLE_LENGTH, AISLE_PITCH, tuple(AISLE_LENGTH * i / 4 for i in (1, 2, 3)))
        for n, lists in ((8, 100), (12, 30)):
            ratios = []
            for _ in range(lists):
                stops = pick_list(rng, layout, n)
                ratios.append(plan_route(layout, stops)[1] / held_karp(layout, stops))
            optimal = sum(r <= 1 + 1e-9 for r in ratios) / lists
            rows.append(
                [
                    str(aisles),
                    str(n),
                    str(lists),
                    f"{statistics.mean(ratios):.4f}",
                    f"{max(ratios):.4f}",
                    f"{optimal:.0%}",
                ]
            )
    table(["aisles", "stops", "lists", "route/opt mean", "route/opt worst", "share optimal"], rows)


def timing(rng):
    # CPU time of this process, so that other work on a shared machine does not inflate the figures;
    # wall-clock medians are shown beside them.
    print(f"### Planning time for 60 stops (over {TIMING_RUNS} pick lists)\n")
    rows = []
    for middle in (0, 1, 2, 3):
        cross = tuple(AISLE_LENGTH * (i + 1) / (middle + 1) for i in range(middle))
        for aisles in (10, 30):
            layout = Layout(aisles, AISLE_LENGTH, AISLE_PITCH, cross)
            plan_route(layout, pick_list(rng, layout, 60))  # builds the state tables once
            cpu, wall = [], []
            for _ in range(TIMING_RUNS):
                stops = pick_list(rng, layout, 60)
                started_cpu, started_wall = time.process_time(), time.perf_counter()
                plan_route(layout, stops)
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started_wall) * 1000)
            cpu.sort()
            rows.append(
                [
                    str(middle),
                    str(aisles),
                    f"{statistics.median(cpu):.2f}",
                    f"{cpu[int(0.9 * len(cpu))]:.2f}",
                    f"{statistics.median(wall):.2f}",
                ]
                + ["exact" if middle <= EXACT_MAX_MIDDLE_CROSS_AISLES else "heuristic"]
            )
    table(
        ["middle cross-aisles", "aisles", "CPU median (ms)", "CPU p90 (ms)", "wall median (ms)", "method"],
        rows,
    )
    # (this was tests/unit/test_routing.py::test_sixty_stops_plan_in_milliseconds: a timing is no test)
    over = [row for row in rows if float(row[2]) >= BUDGET_MS]
    print(f"Budget: median under {BUDGET_MS} ms for 60 stops: " + (
        "met everywhere.\n" if not over else
        "NOT met for " + ", ".join(f"{row[0]} cross-aisles × {row[1]} aisles" for row in over) + ".\n"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    print(
        f"Aisles {AISLE_LENGTH} m long, {AISLE_PITCH} m apart, depot at the front of aisle 0; middle "
        f"cross-aisle at {AISLE_LENGTH / 2} m. Seed {args.seed}, Python {platform.python_version()}.\n"
    )
    against_optimum(rng)
    against_s_shape(rng)
    many_cross_aisles(rng)
    timing(rng)
    print(f"Total bench time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
