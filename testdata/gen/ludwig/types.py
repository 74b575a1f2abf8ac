# ludwig/types.py (subset)
from typing import Any, Dict

ModelConfigDict = Dict[str, Any]
TrainingSetMetadataDict = Dict[str, Any]
FeatureMetadataDict = Dict[str, Any]
FeatureConfigDict = Dict[str, Any]
PreprocessingConfigDict = Dict[str, Any]
FeaturePostProcessingOutputDict = Dict[str, Any]
