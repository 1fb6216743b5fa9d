import { mount } from 'svelte';
import './styles.css';
import { connectApi } from './api/connect';
import App from './components/App.svelte';
import Fatal from './components/Fatal.svelte';
import { Workbench } from './state/workbench.svelte';

const target = document.getElementById('app')!;
try {
  const workbench = new Workbench(connectApi());
  workbench.start();
  mount(App, { target, props: { workbench } });
  // Closing or reloading never stops a job (it runs in the back end); the browser still asks
  // first, and the jobs panel says that running jobs go on.
  window.addEventListener('beforeunload', (event) => {
    if (workbench.jobs.runningCount === 0) return;
    event.preventDefault();
    event.returnValue = 'Running jobs continue on the workbench after this page closes.';
  });
} catch (error) {
  mount(Fatal, { target, props: { message: error instanceof Error ? error.message : String(error) } });
}
