/** Cytoscape with the extensions the workbench uses, registered once per page (a second `use` warns). */
import cytoscape from 'cytoscape';
import edgehandles from 'cytoscape-edgehandles';

cytoscape.use(edgehandles);

export default cytoscape;
