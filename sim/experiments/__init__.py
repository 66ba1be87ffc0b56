"""Experiments on the model: study files and designs, sweeps, their analysis and reports, policy
comparisons, validation against the published record, and the files and charts they write.

The model core (`sim.model`, `sim.params`, `sim.scaling`, `sim.economics`, `sim.metrics`,
`sim.outcomes`) never imports from here.
"""
