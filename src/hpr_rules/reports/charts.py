"""SVG charts with matplotlib, byte-identical for the same data (no dates, fixed hash salt)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"exempt": "#9aa5b1", "compliant": "#2e8b57", "due_soon": "#e0a100", "violation": "#c0392b",
          "required": "#c0392b", "vacancies": "#1f5fa8", "made": "#2e8b57", "pop": "#6a8caf",
          "development": "#1f5fa8", "moves": "#e0a100", "talks": "#6a8caf", "replacement": "#7fb3d5",
          "advisors": "#8e44ad", "recruitment": "#95a5a6", "salary_guarantee": "#d35400", "external": "#34495e"}


def _svg(fig) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "hpr-rules", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _style(ax):
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)


def status_bars(years, rules, labels, titles) -> str:
    """Stacked status bars per rule (one panel each)."""
    fig, axes = plt.subplots(1, len(rules), figsize=(3.4 * len(rules), 3.0), sharey=True, squeeze=False)
    xs = [y["year"] for y in years]
    for ax, rid in zip(axes[0], rules):
        bottom = [0] * len(years)
        for key in ("exempt", "compliant", "due_soon", "violation"):
            vals = [sum(y["rules"][rid][key].values()) if key == "exempt" else y["rules"][rid][key] for y in years]
            ax.bar(xs, vals, bottom=bottom, color=COLORS[key], label=labels[key], width=0.7)
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_title(titles[rid], fontsize=9)
        ax.set_xticks(xs)
        ax.tick_params(labelsize=8)
        _style(ax)
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=8, frameon=False, loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.1))
    return _svg(fig)


def moves_chart(years, labels) -> str:
    fig, ax = plt.subplots(figsize=(5.4, 2.8))
    xs = [y["year"] for y in years]
    w = 0.27
    for i, (key, lab) in enumerate((("required", "moves_required"), ("vacancies", "vacancies"), ("made", "moves_made"))):
        ax.bar([x + (i - 1) * w for x in xs], [y["moves"][key] for y in years], width=w, color=COLORS[key], label=labels[lab])
    ax.set_xticks(xs)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    ax.tick_params(labelsize=8)
    _style(ax)
    return _svg(fig)


def cost_chart(years, labels, budget=None) -> str:
    fig, ax = plt.subplots(figsize=(5.4, 2.8))
    xs = [y["year"] for y in years]
    bottom = [0] * len(years)
    for key in [k for k in years[0]["cost"] if k != "total"]:
        vals = [y["cost"][key] / 1e6 for y in years]
        ax.bar(xs, vals, bottom=bottom, color=COLORS[key], label=labels[f"cost_{key}"], width=0.6)
        bottom = [b + v for b, v in zip(bottom, vals)]
    if budget:
        ax.axhline(budget / 1e6, color="#111827", linestyle="--", linewidth=1, label=labels["budget"])
    ax.set_ylabel("mln euro", fontsize=8)
    ax.set_xticks(xs)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4)
    ax.tick_params(labelsize=8)
    _style(ax)
    return _svg(fig)


def age_chart(rows, rules, bands, titles) -> str:
    """Share affected (violation or due soon) per age band and rule; a suppressed share is marked "<5" or "x"."""
    fig, ax = plt.subplots(figsize=(7, 2.8))
    w = 0.8 / max(1, len(rules))
    palette = ["#1f5fa8", "#e0a100", "#c0392b", "#2e8b57"]
    for i, rid in enumerate(rules):
        vals, hidden = [], []
        for b in bands:
            r = next((x for x in rows if x["rule_id"] == rid and x["group"] == b), None)
            share = r["share_affected"] if r else None
            ok = isinstance(share, (int, float))  # "<5" or "x" when it may not be shown
            vals.append(100 * share if ok else 0)
            hidden.append(r is not None and not ok)
        xs = [j + (i - (len(rules) - 1) / 2) * w for j in range(len(bands))]
        ax.bar(xs, vals, width=w, color=palette[i % len(palette)], label=titles[rid])
        for x, h, b in zip(xs, hidden, bands):
            if h:
                r = next(x_ for x_ in rows if x_["rule_id"] == rid and x_["group"] == b)
                ax.text(x, 0.5, r["share_affected"], ha="center", va="bottom", fontsize=6, color="#6b7280")
    ax.set_xticks(range(len(bands)))
    ax.set_xticklabels(bands, fontsize=8)
    ax.set_ylabel("%", fontsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    ax.tick_params(labelsize=8)
    _style(ax)
    return _svg(fig)


def tornado_chart(rows, labels) -> str:
    """Two panels, one bar per assumption from its low to its high value, largest swing on top:
    the mean share of runs in which the criteria hold, and the mean margin to the criteria."""
    rows = list(reversed(rows))
    fig, axes = plt.subplots(1, 2, figsize=(9, 0.45 * len(rows) + 1.2), sharey=True)
    for ax, key, lim, title in ((axes[0], "score", (0, 1), labels["tornado_axis"]),
                                (axes[1], "margin", (-1, 1), labels["tornado_margin"])):
        for i, r in enumerate(rows):
            base = r[f"{key}_base"]
            ax.barh(i, r[f"{key}_high"] - base, left=base, color="#1f5fa8", height=0.6,
                    label=labels["tornado_high"] if i == 0 else None)
            ax.barh(i, r[f"{key}_low"] - base, left=base, color="#e0a100", height=0.6,
                    label=labels["tornado_low"] if i == 0 else None)
        if rows:
            ax.axvline(rows[0][f"{key}_base"], color="#111827", linewidth=1)
        ax.set_xlim(*lim)
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_yticks(range(len(rows)))
    axes[0].set_yticklabels([f"{r['key']} ({r['low']:g} / {r['high']:g})" for r in rows], fontsize=8)
    axes[0].legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(1.0, -0.12), ncol=2)
    return _svg(fig)
