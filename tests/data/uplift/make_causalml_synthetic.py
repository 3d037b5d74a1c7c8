"""A campaign test the project has never seen: CausalML's synthetic uplift data
(causalml 0.18.0, Apache-2.0, https://pypi.org/project/causalml/,
`causalml.dataset.make_uplift_classification`), written to causalml_synthetic.csv next to this
script. 3,000 customers per group; the treatment raises conversion by 10 points through two
features, by 5 through one mixed with an informative feature, and lowers it by 5 through one;
`treatment_effect` is each row's true effect (left out of the model with --ignore).

    venv/bin/pip install causalml==0.18.0 && venv/bin/python make_causalml_synthetic.py
"""
import os

from causalml.dataset import make_uplift_classification

df, _ = make_uplift_classification(
    n_samples=3000,
    treatment_name=["control", "treatment1"],
    n_uplift_increase_dict={"treatment1": 2},
    delta_uplift_increase_dict={"treatment1": 0.1},
    n_uplift_decrease_dict={"treatment1": 1},
    delta_uplift_decrease_dict={"treatment1": 0.05},
    n_uplift_increase_mix_informative_dict={"treatment1": 1},
    n_uplift_decrease_mix_informative_dict={"treatment1": 0},
    random_seed=20261201,
)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "causalml_synthetic.csv")
df.to_csv(out, index=False, float_format="%.6g")
print(out, df.shape, df.groupby("treatment_group_key")["conversion"].mean().to_dict())
