"""The provider knowledge base: file schema, loading and compiled matchers."""

from tethers.kb.load import KnowledgeBaseFiles, load_files
from tethers.kb.match import KnowledgeBase, RuleHit, default_kb

__all__ = ["KnowledgeBase", "KnowledgeBaseFiles", "RuleHit", "default_kb", "load_files"]
