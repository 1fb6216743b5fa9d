/** The loader's public surface: Hugging Face model directories and safetensors files. */
export { ModelLoadError } from './errors';
export { loadModelDir, readModelConfig, writeModelDir, CONFIG_FILE, type LoadedModel, type LoadModelOptions, type WriteModelDirOptions } from './modelDir';
export { SafetensorsReader, readSafetensors, readSafetensorsHeader, writeSafetensors, FLOAT_DTYPES, type ReadTensorOptions, type SafetensorsEntry, type SafetensorsHeader, type WriteDtype, type WriteSafetensorsOptions } from './safetensors';
export { planParams, paramNameOf, checkParamBudget, fp32ParamBytes, modelDisplayName, formatBytes, type ParamSource, type StoredTensorInfo } from './paramPlan';
export { findWeights, conversionCommand, SINGLE_WEIGHTS_FILE, SHARD_INDEX_FILE, type WeightLayout } from './weightFiles';
