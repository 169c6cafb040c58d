"""Figures for the Summary from grouped answers: [(value, how many gave it)].

PostgreSQL groups the answers (surveys.results), so these work on distinct values
and their counts, never on one row per answer.
"""

import math
from datetime import date

# Net Promoter: 0-6 detractors, 7-8 passives, 9-10 promoters.
NPS_DETRACTOR_MAX = 6
NPS_PROMOTER_MIN = 9


def _sorted(given: list[tuple]) -> list[tuple]:
    return sorted((value, n) for value, n in given if n > 0)


def weighted_quantile(given: list[tuple], q: float):
    """Return the q-quantile (0..1) of the values, interpolating as numpy's default."""
    pairs = _sorted(given)
    total = sum(n for _, n in pairs)
    if not total:
        return None
    position = q * (total - 1)
    below, fraction = int(math.floor(position)), position - math.floor(position)
    low = high = None
    seen = 0
    for value, n in pairs:
        if low is None and below < seen + n:
            low = value
        if below + 1 < seen + n:
            high = value
            break
        seen += n
    if high is None:
        high = low
    return low + (high - low) * fraction


def describe(given: list[tuple]) -> dict:
    """Return count, mean, median, lowest, highest, quartiles, standard deviation."""
    pairs = _sorted(given)
    count = sum(n for _, n in pairs)
    if not count:
        return {"count": 0}
    mean = sum(value * n for value, n in pairs) / count
    variance = (
        sum(n * (value - mean) ** 2 for value, n in pairs) / (count - 1)
        if count > 1
        else 0.0
    )
    return {
        "count": count,
        "mean": _round(mean),
        "median": _round(weighted_quantile(pairs, 0.5)),
        "low": pairs[0][0],
        "high": pairs[-1][0],
        "q1": _round(weighted_quantile(pairs, 0.25)),
        "q3": _round(weighted_quantile(pairs, 0.75)),
        "sd": _round(math.sqrt(variance)),
    }


def _round(number):
    if number is None:
        return None
    rounded = round(number, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def histogram(given: list[tuple], *, bins: int = 10) -> list[tuple[str, int]]:
    """Return [(range label, count)]: whole values when few, else equal ranges."""
    pairs = _sorted(given)
    if not pairs:
        return []
    low, high = pairs[0][0], pairs[-1][0]
    distinct = [value for value, _ in pairs]
    if len(distinct) <= bins:
        return [(_label(value), n) for value, n in pairs]
    if all(isinstance(value, int) for value in distinct):
        width = math.ceil((high - low + 1) / bins)
        counts = [0] * math.ceil((high - low + 1) / width)
        for value, n in pairs:
            counts[(value - low) // width] += n
        return [
            (
                f"{_label(low + i * width)} to {_label(low + (i + 1) * width - 1)}",
                count,
            )
            for i, count in enumerate(counts)
        ]
    width = (high - low) / bins
    counts = [0] * bins
    for value, n in pairs:
        index = min(int((value - low) / width), bins - 1)
        counts[index] += n
    return [
        (f"{_label(low + i * width)} to {_label(low + (i + 1) * width)}", counts[i])
        for i in range(bins)
    ]


def _label(number) -> str:
    number = _round(number)
    return f"{number:,}" if isinstance(number, int) else f"{number:,.2f}"


def nps(given: list[tuple]) -> dict:
    """Return the Net Promoter Score (% promoters - % detractors) and its parts."""
    total = sum(n for _, n in given)
    detractors = sum(n for value, n in given if value <= NPS_DETRACTOR_MAX)
    promoters = sum(n for value, n in given if value >= NPS_PROMOTER_MIN)
    passives = total - detractors - promoters
    if not total:
        return {"score": None, "total": 0}

    def share(n):
        return round(100 * n / total)

    def width(n):
        return round(100 * n / total, 2)

    return {
        "score": round(100 * (promoters - detractors) / total),
        # The SVG bar's parts on a 0-100 axis.
        "detractors_x": width(detractors),
        "passives_x": width(passives),
        "promoters_start": width(detractors + passives),
        "promoters_x": width(promoters),
        "total": total,
        "detractors": detractors,
        "passives": passives,
        "promoters": promoters,
        "detractors_pct": share(detractors),
        "passives_pct": share(passives),
        "promoters_pct": share(promoters),
    }


def dates(given: list[tuple], answered: int) -> dict:
    """Return earliest, latest and median date, and bars by day (a span of up to
    two months) or by month, for answers given as "YYYY-MM-DD"."""
    pairs = []
    for text, n in given:
        try:
            pairs.append((date.fromisoformat(text).toordinal(), n))
        except (TypeError, ValueError):
            continue
    if not pairs:
        return {"bars": []}
    pairs.sort()
    low, high = pairs[0][0], pairs[-1][0]
    middle = date.fromordinal(round(weighted_quantile(pairs, 0.5)))
    by_day = high - low <= 62
    counts: dict[str, int] = {}
    for ordinal, n in pairs:
        day = date.fromordinal(ordinal)
        key = day.isoformat() if by_day else day.strftime("%Y-%m")
        counts[key] = counts.get(key, 0) + n
    top = max(counts.values())
    bars = [
        {
            "label": key,
            "count": n,
            "percent": round(100 * n / answered) if answered else 0,
            "width": round(100 * n / top),
        }
        for key, n in counts.items()
    ]
    return {
        "earliest": date.fromordinal(low).isoformat(),
        "latest_date": date.fromordinal(high).isoformat(),
        "median": middle.isoformat(),
        "bars": bars,
    }


def ranking(given: list[tuple], choices: list[dict]) -> list[dict]:
    """Return each item's mean rank (1 = first) and how often it was ranked first,
    best first; the bar is longer for a better (lower) mean rank."""
    totals = {c["id"]: [0, 0, 0] for c in choices}  # rank sum, count, firsts
    for order, n in given:
        for rank, choice_id in enumerate(order, start=1):
            if choice_id in totals:
                totals[choice_id][0] += rank * n
                totals[choice_id][1] += n
                if rank == 1:
                    totals[choice_id][2] += n
    size = max(len(choices), 1)
    items = []
    for choice in choices:
        rank_sum, count, firsts = totals[choice["id"]]
        mean = round(rank_sum / count, 2) if count else None
        items.append(
            {
                "label": choice["label"],
                "mean": mean,
                "first": firsts,
                "width": (
                    round(100 * (size + 1 - mean) / size) if mean is not None else 0
                ),
            }
        )
    return sorted(items, key=lambda item: (item["mean"] is None, item["mean"] or 0))
