/** Task datasets: generation, the default vocabulary, JSONL/CSV import and export, validation. */
export type { TaskName, TaskItem, Dataset, Split, Corruption, GenerateOptions, PremiseChoice } from './types';
export { TASK_NAMES } from './types';
export { generate, generateDataset, templateIds, defaultTemplateIds, optInTemplateIds, CORRUPTIONS, DEFAULT_CORRUPTION } from './generate';
export { defaultVocabulary, defaultTokenizerJson, END_OF_TEXT, UNKNOWN } from './vocabulary';
export { fillerSentences } from './filler';
export { itemSlots, templateOf, type SlotWord } from './slots';
export { itemSplit, namePairSplit, comboSplit, namePairKey, HELDOUT_MODULUS, type ItemSplit } from './split';
export { toJsonl, parseJsonl } from './jsonl';
export { toCsv, parseCsv, CSV_COLUMNS } from './csv';
export { DatasetParseError } from './parseItem';
export { decodeDatasetBytes } from './encoding';
export {
  validateDataset,
  unknownWords,
  maxPromptTokens,
  type ValidationError,
  type ValidationProblem,
  type ValidateOptions,
} from './validate';
