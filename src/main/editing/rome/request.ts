/**
 * ROME requests in words: "prompt, subject, new target" -> token rows with the subject's last
 * token marked, the rewriting prompts (the prompt alone and after context prefixes) and the KL
 * prompts ("{subject} is a" and the bare subject), all checked against the model's tokenizer.
 */
import type { ModelConfig } from '../../engine/config';
import type { Tokenizer } from '../../tokenizer/types';
import { encodePrompt, singleTokenId } from '../../services/prompt';
import { EditError } from '../delta';
import type { MarkedRow } from './rows';
import type { RomeTokenRequest } from './rome';

export interface RomeTextRequest {
  /** The prompt that should now give the target, e.g. "Mary is taller than John, so the shorter one is". */
  prompt: string;
  /** The words whose last token's key is rewritten; must occur in the prompt. */
  subject: string;
  /** The new answer, one token (" John"). */
  target: string;
  layer: number;
  /** Context prefixes put before the prompt (ROME: short generated texts); '' (none) is always included. */
  contexts?: readonly string[];
  /** Templates with "{}" for the subject whose next-token distribution the KL term keeps. Default ["{} is a", "{}"]. */
  klTemplates?: readonly string[];
  /** Which whole-word occurrence of the subject in the prompt is edited. Default 'first'. */
  occurrence?: Occurrence;
}

export type Occurrence = 'first' | 'last';

/** Where `subject` occurs in `text` as whole words (not inside a longer word), first or last. */
export function subjectOffset(text: string, subject: string, occurrence: Occurrence = 'first'): number {
  const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
  const hits: number[] = [];
  for (let at = text.indexOf(subject); at >= 0; at = text.indexOf(subject, at + 1)) {
    const edgeBefore = !isWordChar(subject[0]) || !isWordChar(text[at - 1]);
    const edgeAfter = !isWordChar(subject[subject.length - 1]) || !isWordChar(text[at + subject.length]);
    if (edgeBefore && edgeAfter) hits.push(at);
  }
  if (!subject.trim() || hits.length === 0) throw new EditError(`the subject ${JSON.stringify(subject)} does not occur as whole words in ${JSON.stringify(text)}`);
  return occurrence === 'first' ? hits[0] : hits[hits.length - 1];
}

/** Encode `text` and mark the last token of `subject` in it (its first or last whole-word occurrence). */
export function markSubject(tokenizer: Tokenizer, config: ModelConfig, text: string, subject: string, occurrence: Occurrence = 'first'): MarkedRow {
  const at = subjectOffset(text, subject, occurrence);
  const ids = encodePrompt(tokenizer, config, text);
  const head = encodePrompt(tokenizer, config, text.slice(0, at + subject.length));
  if (head.some((id, i) => ids[i] !== id)) {
    throw new EditError(`the subject ${JSON.stringify(subject)} does not end on a token boundary in ${JSON.stringify(text)}`);
  }
  return { ids, subjectPos: head.length - 1 };
}

/** Encodable variants only: a context or KL prompt with words the vocabulary lacks is skipped. */
function tryMark(tokenizer: Tokenizer, config: ModelConfig, text: string, subject: string, occurrence: Occurrence): MarkedRow | undefined {
  try {
    return markSubject(tokenizer, config, text, subject, occurrence);
  } catch {
    return undefined;
  }
}

export function romeTokenRequest(tokenizer: Tokenizer, config: ModelConfig, req: RomeTextRequest): RomeTokenRequest {
  const occurrence = req.occurrence ?? 'first';
  const plain = markSubject(tokenizer, config, req.prompt, req.subject, occurrence);
  const target = singleTokenId(tokenizer, req.target);
  const rewrite: MarkedRow[] = [plain];
  for (const ctx of req.contexts ?? []) {
    if (!ctx.trim()) continue;
    const row = tryMark(tokenizer, config, `${ctx.trim()} ${req.prompt}`, req.subject, occurrence);
    if (row) rewrite.push(row);
  }
  const kl: MarkedRow[] = [];
  for (const tpl of req.klTemplates ?? ['{} is a', '{}']) {
    if (!tpl.includes('{}')) throw new EditError(`KL template ${JSON.stringify(tpl)} has no "{}" for the subject`);
    const row = tryMark(tokenizer, config, tpl.replace('{}', req.subject), req.subject, 'first');
    if (row) kl.push(row);
  }
  return { layer: req.layer, target, rewrite, kl };
}
