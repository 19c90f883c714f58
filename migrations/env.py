import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Keep the caller's logging (pytest, gunicorn) when run from inside the app.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


_MIGRATION_ENGINES = {}


def get_engine():
    """The tables' owner: ``MIGRATION_DATABASE_URL`` when set (the app's own
    ``DATABASE_URL`` is a role that may not change the schema, app/rls.py)."""
    url = current_app.config.get('SQLALCHEMY_MIGRATION_URI')
    if url:
        if url not in _MIGRATION_ENGINES:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            _MIGRATION_ENGINES[url] = create_engine(url, poolclass=NullPool)
        return _MIGRATION_ENGINES[url]
    return current_app.extensions['migrate'].db.engine


def grant_app_roles(connection):
    """After an upgrade on PostgreSQL, let the app's roles use the tables (new ones
    included) when those roles exist (``flask database roles`` creates them)."""
    if connection.dialect.name != 'postgresql':
        return
    from app.rls import grant_app_roles as grant
    from app.rls import roles_exist

    app_role = current_app.config.get('DATABASE_APP_ROLE') or 'muzu_app'
    cross_role = current_app.config.get('DATABASE_CROSS_TENANT_ROLE') or 'muzu_cross_tenant'
    if roles_exist(connection, app_role, cross_role):
        grant(connection, app_role, cross_role)


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()
    conf_args = dict(conf_args)  # the Migrate extension's dict outlives this run
    if connectable.dialect.name == "sqlite" and conf_args.get("include_object") is None:
        # SQLite keeps UNIQUE (tenant_id, id) where the models say PRIMARY KEY
        # (tenant_id, id) (app/tenancy.py): autogenerate must not drop it.
        from app.tenancy import is_sqlite_rowid_twin

        def include_object(obj, name, type_, reflected, compare_to):
            return not is_sqlite_rowid_twin(obj, type_, reflected, compare_to)

        conf_args["include_object"] = include_object

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a SQLite table (copy, drop, rename); with foreign
            # keys on, dropping a table that other rows reference fails, so an
            # existing database with data could not be upgraded.  Off for the run
            # (the pragma is ignored inside a transaction, hence the commit), then
            # every reference is checked before they go back on.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                **conf_args
            )

            with context.begin_transaction():
                context.run_migrations()
                grant_app_roles(connection)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(
                            f"the migration broke foreign keys (table, rowid, parent): "
                            f"{broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()  # nothing pending: the pragma needs no transaction
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")  # back to the pool as it came


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
