/**
 * Task items in and out of the store: the store keeps clean/corrupted/answers/template in columns
 * and the task name and slot fillers (meta) in the item's `extra` JSON.
 */
import type { TaskItem, TaskName } from '../../datasets';
import { itemSlots, TASK_NAMES } from '../../datasets';
import type { DatasetItem } from '../../store';
import type { TaskItemView } from '../../../shared/api/projectTypes';

export function toStoredItem(item: TaskItem): DatasetItem {
  return {
    clean: item.clean,
    corrupted: item.corrupted,
    correct: item.correct,
    incorrect: item.incorrect,
    template: item.template,
    extra: { task: item.task, ...(item.meta ? { meta: item.meta } : {}) },
  };
}

export function fromStoredItem(item: DatasetItem, datasetTask: string): TaskItem {
  const extra = (item.extra ?? {}) as { task?: unknown; meta?: unknown };
  const task = typeof extra.task === 'string' && (TASK_NAMES as readonly string[]).includes(extra.task) ? (extra.task as TaskName) : (datasetTask as TaskName);
  const meta = extra.meta && typeof extra.meta === 'object' ? (extra.meta as Record<string, string>) : undefined;
  return {
    clean: item.clean,
    corrupted: item.corrupted ?? '',
    correct: item.correct,
    incorrect: item.incorrect ?? '',
    template: item.template ?? '',
    task,
    ...(meta ? { meta } : {}),
  };
}

export function itemView(item: TaskItem): TaskItemView {
  const slots = itemSlots(item);
  return {
    clean: item.clean,
    corrupted: item.corrupted,
    correct: item.correct,
    incorrect: item.incorrect,
    template: item.template,
    task: item.task,
    ...(slots ? { slots: slots.map(({ name, word, wordIndex }) => ({ name, word, wordIndex })) } : {}),
  };
}
