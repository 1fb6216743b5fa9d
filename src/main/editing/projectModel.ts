/**
 * Opening any project model, edited or not: the root model from its folder, then its chain of
 * edits applied as copies. dispose() frees the edited tensors and then the root model.
 */
import { openModel, type ModelSession } from '../services/modelSession';
import type { ProjectStore } from '../store/project-store';
import { EditError } from './delta';
import { EditedModel } from './editedModel';
import { editChain } from './projectEdits';

export interface OpenedProjectModel {
  /** A session whose model is the edited copy (tokenizer, config and folder are the root's). */
  session: ModelSession;
  root: ModelSession;
  edited: EditedModel | undefined;
  label: string;
  dispose(): void;
}

export async function openProjectModel(store: ProjectStore, modelId: number): Promise<OpenedProjectModel> {
  const record = store.models.get(modelId);
  const { root, edits } = editChain(store, modelId);
  if (!root.path) throw new EditError(`model ${root.id} ("${root.name}") has no folder on disk to load`);
  const session = await openModel(root.path);
  try {
    const edited = edits.length > 0 ? EditedModel.apply(session.model, edits) : undefined;
    return {
      session: edited ? { ...session, model: edited.model, name: record.name } : session,
      root: session,
      edited,
      label: record.name,
      dispose() {
        edited?.dispose();
        session.model.dispose();
      },
    };
  } catch (err) {
    session.model.dispose();
    throw err;
  }
}
