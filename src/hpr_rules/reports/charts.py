"""SVG charts with matplotlib, byte-identical for the same data (no dates, fixed hash salt)."""

from __future__ import annotations

import io


def _pyplot():
    """matplotlib's pyplot on the Agg backend, imported on first use: reading the label
    catalogue or a report's tables does not load the chart stack."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


COLORS = {"exempt": "#9aa5b1", "compliant": "#2e8b57", "due_soon": "#e0a100", "violation": "#c0392b",
          "required": "#c0392b", "vacancies": "#1f5fa8", "made": "#2e8b57", "pop": "#6a8caf",
          "development": "#1f5fa8", "moves": "#e0a100", "talks": "#6a8caf", "replacement": "#7fb3d5",
          "advisors": "#8e44ad", "recruitment": "#95a5a6", "salary_guarantee": "#d35400", "external": "#34495e"}
PALETTE = ["#1f5fa8", "#e0a100", "#c0392b", "#2e8b57", "#6a8caf", "#9aa5b1"]


def _svg(fig) -> str:
    buf = io.StringIO()
    import matplotlib
    with matplotlib.rc_context({"svg.hashsalt": "hpr-rules", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    _pyplot().close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _style(ax):
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)


def _bars(ax, xs, series, bottom=None, **kw):
    """Bars of (value, hidden) pairs; a hidden value is drawn hatched, at the middle of the
    range the published tables allow, and marked "x"."""
    vals = [v for v, _ in series]
    bars = ax.bar(xs, vals, bottom=bottom, **kw)
    for bar, (_, hidden) in zip(bars, series):
        if hidden:
            bar.set_hatch("////")
            bar.set_alpha(0.45)
            ax.annotate("x", (bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2),
                        ha="center", va="center", fontsize=7, color="#111827")
    return vals


def status_bars(years, panels, labels, titles) -> str:
    """Stacked status bars per rule (one panel each); ``panels[rid][status]`` is a list of
    (value, hidden) per year, taken from the protected tables."""
    rules = list(panels)
    fig, axes = _pyplot().subplots(1, len(rules), figsize=(3.4 * len(rules), 3.0), sharey=True, squeeze=False)
    for ax, rid in zip(axes[0], rules):
        bottom = [0] * len(years)
        for key in ("exempt", "compliant", "due_soon", "violation"):
            vals = _bars(ax, years, panels[rid][key], bottom=bottom, color=COLORS[key], label=labels[key], width=0.7)
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_title(titles[rid], fontsize=9)
        ax.set_xticks(years)
        ax.tick_params(labelsize=8)
        _style(ax)
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=8, frameon=False, loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.1))
    return _svg(fig)


def grouped_bars(groups, series, names, colors=None, ylabel=None, hline=None, tick_labels=None,
                 figsize=(5.4, 2.8)) -> str:
    """Bars side by side per group: ``series`` is a list of lists of (value, hidden), one
    list per name (a measure, or a scenario in a comparison)."""
    fig, ax = _pyplot().subplots(figsize=figsize)
    xs = list(range(len(groups)))
    w = 0.8 / max(1, len(series))
    palette = colors or PALETTE
    for i, (ser, name) in enumerate(zip(series, names)):
        _bars(ax, [x + (i - (len(series) - 1) / 2) * w for x in xs], ser, width=w,
              color=palette[i % len(palette)], label=name)
    if hline is not None:
        ax.axhline(hline[0], color="#111827", linestyle="--", linewidth=1, label=hline[1])
    ax.set_xticks(xs)
    ax.set_xticklabels(tick_labels or [str(g) for g in groups], fontsize=8)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    ax.tick_params(labelsize=8)
    _style(ax)
    return _svg(fig)


def stacked_bars(years, series, names, colors, ylabel=None, hline=None) -> str:
    fig, ax = _pyplot().subplots(figsize=(5.4, 2.8))
    bottom = [0] * len(years)
    for ser, name, color in zip(series, names, colors):
        vals = _bars(ax, years, ser, bottom=bottom, color=color, label=name, width=0.6)
        bottom = [b + v for b, v in zip(bottom, vals)]
    if hline is not None:
        ax.axhline(hline[0], color="#111827", linestyle="--", linewidth=1, label=hline[1])
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    ax.set_xticks(years)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4)
    ax.tick_params(labelsize=8)
    _style(ax)
    return _svg(fig)


def tornado_chart(rows, labels, names, shown) -> str:
    """Two panels, one bar per assumption from its low to its high value, largest swing on top:
    the mean share of runs in which the criteria hold, and the mean margin to the criteria.
    ``names`` label the assumptions; ``shown[key][side]`` says whether a margin may be drawn
    (one that rests on a small group is a hatched "x" on the base line)."""
    order = list(reversed(range(len(rows))))
    rows, names = [rows[i] for i in order], [names[i] for i in order]
    fig, axes = _pyplot().subplots(1, 2, figsize=(9, 0.45 * len(rows) + 1.2), sharey=True)
    for ax, key, lim, title in ((axes[0], "score", (0, 1), labels["tornado_axis"]),
                                (axes[1], "margin", (-1, 1), labels["tornado_margin"])):
        for i, r in enumerate(rows):
            ok = {side: key == "score" or shown[r["key"]][side] for side in ("base", "low", "high")}
            base = r[f"{key}_base"] if ok["base"] else 0.0
            for side, color in (("high", "#1f5fa8"), ("low", "#e0a100")):
                label = labels[f"tornado_{side}"] if i == 0 else None
                if ok[side] and ok["base"]:
                    ax.barh(i, r[f"{key}_{side}"] - base, left=base, color=color, height=0.6, label=label)
                else:
                    ax.barh(i, 0.1 if side == "high" else -0.1, left=base, color=color, height=0.6, label=label,
                            hatch="////", alpha=0.45)
                    ax.annotate("x", (base + (0.05 if side == "high" else -0.05), i), ha="center", va="center",
                                fontsize=7, color="#111827")
        if rows and (key == "score" or shown[rows[0]["key"]]["base"]):
            ax.axvline(rows[0][f"{key}_base"], color="#111827", linewidth=1)
        ax.set_xlim(*lim)
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_yticks(range(len(rows)))
    axes[0].set_yticklabels([f"{n} ({r['low']:g} / {r['high']:g})" for n, r in zip(names, rows)], fontsize=8)
    axes[0].legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(1.0, -0.12), ncol=2)
    return _svg(fig)
