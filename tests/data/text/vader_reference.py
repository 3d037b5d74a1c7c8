"""The reference compound scores for tests/text.rs: vaderSentiment 3.3.2 (PyPI, MIT licence),
one JSON string per line on stdin, one compound score per line on stdout."""
import json
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

analyzer = SentimentIntensityAnalyzer()
for line in sys.stdin:
    print(json.dumps(analyzer.polarity_scores(json.loads(line))["compound"]))
