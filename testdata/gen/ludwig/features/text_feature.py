# ludwig/features/text_feature.py (subset). Text inputs and outputs use the sequence modules:
# TextInputFeature.create_preproc_module -> sequence_feature._SequencePreprocessing,
# TextOutputFeature -> _SequencePredict / _SequencePostprocessing.
from ludwig.features.sequence_feature import (  # noqa: F401
    _SequencePostprocessing,
    _SequencePredict,
    _SequencePreprocessing,
)
