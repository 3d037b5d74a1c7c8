"""The reference side of the market-basket benchmark: mlxtend's fpgrowth and association_rules
on a long order file (order id, item columns), as `marketing-workbench basket FILE --order COL
--item COL --min-support S --min-confidence C --rules OUT.csv` does: the one-hot table built
from the lines, frequent itemsets, rules above the confidence, written to CSV.

    python bench/ref_basket.py FILE ORDER_COL ITEM_COL MIN_SUPPORT MIN_CONFIDENCE OUT.csv
"""

import json
import sys

import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth


def main(path, order, item, min_support, min_confidence, out):
    lines = pd.read_csv(path, usecols=[order, item], dtype=str).drop_duplicates()
    onehot = pd.crosstab(lines[order], lines[item]).astype(bool)
    sets = fpgrowth(onehot, min_support=float(min_support), use_colnames=True)
    rules = association_rules(sets, metric="confidence", min_threshold=float(min_confidence))
    join = lambda s: "|".join(sorted(s))
    rules["antecedents"] = rules["antecedents"].map(join)
    rules["consequents"] = rules["consequents"].map(join)
    rules[["antecedents", "consequents", "support", "confidence", "lift", "leverage",
           "conviction"]].to_csv(out, index=False)
    print(json.dumps({"orders": len(onehot), "items": onehot.shape[1], "itemsets": len(sets),
                      "rules": len(rules)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
