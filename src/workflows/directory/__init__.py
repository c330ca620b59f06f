"""The partnership directory: roles, agencies, people and who holds which role where."""

from workflows.directory.model import Agency, Directory, Holding, Person, Role, RoleScope

__all__ = ["Agency", "Directory", "Holding", "Person", "Role", "RoleScope"]
